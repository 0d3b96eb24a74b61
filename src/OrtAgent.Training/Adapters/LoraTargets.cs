namespace OrtAgent.Training.Adapters;

/// <summary>
/// The linear layers of each BERT encoder layer that LoRA can adapt, named after the PyTorch modules
/// (<c>encoder.layer.N.attention.self.query</c> …). Combine with <c>|</c>; see <see cref="LoraTargetNames"/> for spellings.
/// </summary>
[Flags]
public enum LoraTargets
{
    /// <summary>No layer; adapting nothing is refused by <see cref="LoraOptions.Validate"/>.</summary>
    None = 0,

    /// <summary><c>attention.self.query</c>.</summary>
    Query = 1,

    /// <summary><c>attention.self.key</c>.</summary>
    Key = 2,

    /// <summary><c>attention.self.value</c>.</summary>
    Value = 4,

    /// <summary><c>attention.output.dense</c>, the projection after attention.</summary>
    AttentionOutput = 8,

    /// <summary><c>intermediate.dense</c>, the feed-forward expansion.</summary>
    Intermediate = 16,

    /// <summary><c>output.dense</c>, the feed-forward contraction.</summary>
    Output = 32,
}
