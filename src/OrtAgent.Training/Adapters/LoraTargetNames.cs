namespace OrtAgent.Training.Adapters;

/// <summary>
/// How <see cref="LoraTargets"/> are spelled: short names (<c>query</c>, <c>attention-output</c>) for options and
/// properties, and the PyTorch module path inside an encoder layer that each one adapts.
/// </summary>
public static class LoraTargetNames
{
    private static readonly (LoraTargets Target, string Name, string Module)[] Table =
    [
        (LoraTargets.Query, "query", "attention.self.query"),
        (LoraTargets.Key, "key", "attention.self.key"),
        (LoraTargets.Value, "value", "attention.self.value"),
        (LoraTargets.AttentionOutput, "attention-output", "attention.output.dense"),
        (LoraTargets.Intermediate, "intermediate", "intermediate.dense"),
        (LoraTargets.Output, "output", "output.dense"),
    ];

    /// <summary>Every short name, in layer order.</summary>
    public static IReadOnlyList<string> All { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The short names of the targets in <paramref name="targets"/>, in layer order.</summary>
    public static IReadOnlyList<string> Of(LoraTargets targets) => Table.Where(t => targets.HasFlag(t.Target)).Select(t => t.Name).ToArray();

    /// <summary>The PyTorch module path inside an encoder layer that <paramref name="target"/> (a single flag) adapts.</summary>
    public static string ModuleOf(LoraTargets target) => Table.Single(t => t.Target == target).Module;

    /// <summary>The flag for one short name, or null when it is not one.</summary>
    public static LoraTargets? Parse(string name)
    {
        foreach (var (target, shortName, _) in Table)
            if (string.Equals(shortName, name.Trim(), StringComparison.OrdinalIgnoreCase)) return target;
        return null;
    }

    /// <summary>The targets named in <paramref name="names"/>; null when any name is unknown (listed in <paramref name="unknown"/>).</summary>
    public static LoraTargets? Parse(IEnumerable<string> names, out string? unknown)
    {
        var targets = LoraTargets.None;
        foreach (var name in names)
        {
            if (Parse(name) is not { } target)
            {
                unknown = name;
                return null;
            }
            targets |= target;
        }
        unknown = null;
        return targets;
    }

    /// <summary>
    /// The target whose module a weight named <c>encoder.layer.N.&lt;module&gt;.weight</c> belongs to, or null for any
    /// other weight (embeddings, LayerNorms, biases, the pooler, the head).
    /// </summary>
    public static LoraTargets? TargetOfWeight(string weightName)
    {
        const string prefix = "encoder.layer.", suffix = ".weight";
        if (!weightName.StartsWith(prefix, StringComparison.Ordinal) || !weightName.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var rest = weightName[prefix.Length..^suffix.Length];
        int dot = rest.IndexOf('.');
        if (dot <= 0 || !rest[..dot].All(char.IsAsciiDigit)) return null;
        var module = rest[(dot + 1)..];
        foreach (var (target, _, path) in Table)
            if (module == path) return target;
        return null;
    }
}
