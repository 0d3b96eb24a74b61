using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>
/// AdamW hyper-parameters: <c>torch.optim.AdamW</c>'s defaults, weight decay 0.01 included (Hugging Face's <c>Trainer</c>
/// defaults to 0 instead; 0.01 is what Google's BERT fine-tuning code used, biases and LayerNorm weights left out).
/// </summary>
public sealed class AdamWOptions
{
    /// <summary>How training properties name this optimizer (<c>properties.json</c>'s <c>optimizer</c>).</summary>
    public const string Name = "adamw";

    /// <summary>Decay rate β₁ of the first moment (the gradient's running mean), in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay rate β₂ of the second moment (the squared gradient's running mean), in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to the bias-corrected square root of the second moment, as PyTorch does.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay: each step multiplies decayed parameters by <c>1 - lr·weight_decay</c>.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Name globs of parameters that are never decayed, a module's name taking everything under it; see <see cref="WeightDecayExclusions"/>.</summary>
    public IReadOnlyList<string> NoDecayPatterns { get; init; } = WeightDecayExclusions.DefaultPatterns;

    /// <summary>The hyper-parameters as training properties record them (<c>optimizer_settings</c>).</summary>
    public Dictionary<string, double> ToSettings() => new()
    {
        ["beta1"] = Beta1, ["beta2"] = Beta2, ["epsilon"] = Epsilon, ["weight_decay"] = WeightDecay,
    };

    /// <summary>The options <see cref="ToSettings"/> recorded, with the decay exclusions recorded beside them.</summary>
    public static AdamWOptions FromSettings(IReadOnlyDictionary<string, double> settings, IReadOnlyList<string> noDecayPatterns) => new()
    {
        Beta1 = settings["beta1"], Beta2 = settings["beta2"], Epsilon = settings["epsilon"], WeightDecay = settings["weight_decay"],
        NoDecayPatterns = noDecayPatterns,
    };

    /// <exception cref="InvalidOptionException">A value is out of range; the exception names its property.</exception>
    /// <exception cref="UserInputException">A decay exclusion is not a valid glob.</exception>
    public void Validate()
    {
        if (Beta1 is < 0 or >= 1 || double.IsNaN(Beta1)) throw Invalid(nameof(Beta1), Beta1, "must be at least 0 and below 1");
        if (Beta2 is < 0 or >= 1 || double.IsNaN(Beta2)) throw Invalid(nameof(Beta2), Beta2, "must be at least 0 and below 1");
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon)) throw Invalid(nameof(Epsilon), Epsilon, "must be positive");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw Invalid(nameof(WeightDecay), WeightDecay, "must be 0 or positive");
        foreach (var p in NoDecayPatterns) NameGlob.Parse(p);
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<AdamWOptions>(property), value, problem);
}
