using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// Low-rank adaptation (LoRA, Hu et al. 2021): every targeted weight W of the encoder is frozen and trained as
/// W + A·B·(<see cref="Alpha"/>/<see cref="Rank"/>), with A <c>[in, rank]</c> drawn as PEFT draws it (Kaiming-uniform,
/// bound 1/√in) and B <c>[rank, out]</c> zero, so the first step starts exactly at the base model. Only A, B and the
/// classifier head are trained.
/// </summary>
public sealed class LoraOptions
{
    /// <summary>The rank r of each adapter; PEFT's default is 8.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>The scale numerator α; the update is scaled by α/r. Null means α = r (scale 1, as PEFT's defaults r = α = 8).</summary>
    public float? Alpha { get; init; }

    /// <summary>
    /// Dropout on the adapters' input (not on the frozen path), in [0, 1). Null (the default) means none (0, PEFT's
    /// default) for new adapters, and the adapter's own when a run continues one (<c>InitFrom</c> an adapter), where
    /// any number set, 0 included, replaces it; <see cref="EffectiveDropout"/> applies the default.
    /// </summary>
    public float? Dropout { get; init; }

    /// <summary>Which linear layers of every encoder layer get an adapter; query and value as in the paper.</summary>
    public LoraTargets Targets { get; init; } = LoraTargets.Query | LoraTargets.Value;

    /// <summary>
    /// The peak learning rate of a LoRA run that sets none (<see cref="FineTuningOptions.LearningRate"/> null; see
    /// <see cref="FineTuningOptions.WithLearningRateResolved"/>). Full fine-tuning's default (<see cref="FineTuningOptions.DefaultLearningRate"/>,
    /// 5e-5) barely moves adapters whose B starts at zero: 0.60 validation accuracy on the embedded sample reviews (minilm,
    /// rank 8, seed 42), where full fine-tuning reaches 0.97. Measured there at seeds 1, 2, 3 (2026-12-06): 2e-4 gave
    /// 0.87, 0.67, 0.90; 5e-4 gave 0.83, 0.93, 1.00; 1e-3 gave 0.87, 1.00, 1.00 (and 0.97 at seed 42, where 5e-4 gave 0.93).
    /// </summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>
    /// The refusal of freezing parameters in a LoRA run, which <paramref name="lora"/> asks for (LoRA options, an adapter
    /// to start from, a LoRA run resumed): LoRA freezes every base weight itself. It names the patterns
    /// (<paramref name="freezeOption"/>) when any are given, else the layer range (<paramref name="freezeLayersOption"/>).
    /// The one wording of it, for the facade, the graph builder and the command line alike.
    /// </summary>
    /// <param name="freezeOption">The patterns' option as <c>Type.Property</c>.</param>
    /// <param name="freeze">The patterns given, none when only a range is.</param>
    /// <param name="freezeLayersOption">The layer range's option as <c>Type.Property</c>.</param>
    /// <param name="freezeLayers">The layer range given, or null.</param>
    /// <param name="lora">What makes the run a LoRA run, as the message names it.</param>
    public static InvalidOptionException FreezeRefusal(string freezeOption, IReadOnlyList<string> freeze, string freezeLayersOption, string? freezeLayers, string lora)
    {
        var (option, value) = freeze.Count > 0 ? (freezeOption, string.Join(",", freeze)) : (freezeLayersOption, freezeLayers ?? "");
        return new(option, value, $"does not combine with {lora}, which freezes every base weight already and trains only the adapters and the head; " +
            $"drop {option}, or train without LoRA");
    }

    /// <summary>α, with the default applied.</summary>
    public float EffectiveAlpha => Alpha ?? Rank;

    /// <summary>The dropout on the adapters' input, with the default (0) applied.</summary>
    public float EffectiveDropout => Dropout ?? 0f;

    /// <summary>The factor α/r multiplying A·B.</summary>
    public float Scale => EffectiveAlpha / Rank;

    /// <exception cref="InvalidOptionException">A value is out of range.</exception>
    public void Validate()
    {
        if (Rank is < 1 or > 1024) throw Invalid(nameof(Rank), Rank, "must be between 1 and 1024");
        if (Alpha is { } alpha && (!float.IsFinite(alpha) || alpha <= 0)) throw Invalid(nameof(Alpha), alpha, "must be a positive number");
        if (Dropout is { } dropout && (dropout is < 0f or >= 1f || float.IsNaN(dropout))) throw Invalid(nameof(Dropout), dropout, "must be at least 0 and below 1");
        if (Targets == LoraTargets.None || (Targets & ~AllTargets) != 0)
            throw Invalid(nameof(Targets), Targets, $"expected one or more of {string.Join(", ", LoraTargetNames.All)}");
    }

    private const LoraTargets AllTargets = LoraTargets.Query | LoraTargets.Key | LoraTargets.Value | LoraTargets.AttentionOutput
        | LoraTargets.Intermediate | LoraTargets.Output;

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<LoraOptions>(property), value, problem);
}
