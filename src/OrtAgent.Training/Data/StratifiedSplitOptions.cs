namespace OrtAgent.Data;

/// <summary>How <see cref="StratifiedSplit"/> holds out validation examples.</summary>
public sealed class StratifiedSplitOptions
{
    /// <summary>The share of each label's examples held out for validation, greater than 0 and less than 1. Defaults to 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>The seed of the shuffle that picks the validation examples: the same seed and file give the same split.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// How the caller takes validation examples of their own (<c>TrainJobOptions.ValidationPath FILE</c>,
    /// <c>validation_file</c>), named in the refusal of data too small to hold any out; null names none.
    /// </summary>
    public string? SeparateValidation { get; init; }
}
