namespace OrtAgent.Training.Adapters;

/// <summary>
/// Names of the adapter tensors of a weight <c>M.weight</c>: <c>M.lora_A</c> <c>[in, rank]</c> and <c>M.lora_B</c>
/// <c>[rank, out]</c>, stored [in, out] as MatMul reads them, like every OrtAgent linear weight (PEFT stores their
/// transposes as <c>M.lora_A.weight</c> and <c>M.lora_B.weight</c>; see <see cref="PeftAdapter"/>).
/// </summary>
public static class LoraParameterNames
{
    /// <summary>Suffix of the down-projection tensor A <c>[in, rank]</c>, in place of <c>.weight</c>.</summary>
    public const string ASuffix = ".lora_A";
    /// <summary>Suffix of the up-projection tensor B <c>[rank, out]</c>, in place of <c>.weight</c>.</summary>
    public const string BSuffix = ".lora_B";

    /// <summary>The A tensor's name for <paramref name="weightName"/>: <c>M.weight</c> becomes <c>M.lora_A</c> (a name without <c>.weight</c> gets the suffix appended).</summary>
    public static string A(string weightName) => Module(weightName) + ASuffix;

    /// <summary>The B tensor's name for <paramref name="weightName"/>: <c>M.weight</c> becomes <c>M.lora_B</c> (a name without <c>.weight</c> gets the suffix appended).</summary>
    public static string B(string weightName) => Module(weightName) + BSuffix;

    /// <summary>Whether <paramref name="name"/> is an adapter tensor.</summary>
    public static bool IsAdapter(string name) => name.EndsWith(ASuffix, StringComparison.Ordinal) || name.EndsWith(BSuffix, StringComparison.Ordinal);

    private static string Module(string weightName) =>
        weightName.EndsWith(".weight", StringComparison.Ordinal) ? weightName[..^".weight".Length] : weightName;
}
