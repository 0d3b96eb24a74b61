using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>SGD hyper-parameters with PyTorch's meaning (<c>torch.optim.SGD</c>).</summary>
public sealed class SgdOptions
{
    /// <summary>How training properties name this optimizer (<c>properties.json</c>'s <c>optimizer</c>).</summary>
    public const string Name = "sgd";

    /// <summary>Momentum factor; zero means plain SGD and no optimizer state.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Dampening of momentum: the buffer adds <c>(1 − dampening)</c> of each gradient after the first step; 0 by default, and must be 0 with <see cref="Nesterov"/>.</summary>
    public double Dampening { get; init; }

    /// <summary>Nesterov momentum (<c>d = g + μ·b</c>); needs a positive <see cref="Momentum"/> and zero <see cref="Dampening"/>.</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 penalty added to the gradient (coupled, as in PyTorch's SGD).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Name globs of parameters that are never decayed, a module's name taking everything under it; see <see cref="WeightDecayExclusions"/>.</summary>
    public IReadOnlyList<string> NoDecayPatterns { get; init; } = WeightDecayExclusions.DefaultPatterns;

    /// <exception cref="InvalidOptionException">A value is out of range or the combination is invalid; the exception names the property.</exception>
    /// <exception cref="UserInputException">A decay exclusion is not a valid glob.</exception>
    public void Validate()
    {
        if (!(Momentum >= 0) || double.IsInfinity(Momentum)) throw Invalid(nameof(Momentum), Momentum, "must be 0 or positive");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw Invalid(nameof(WeightDecay), WeightDecay, "must be 0 or positive");
        if (Nesterov && (Momentum <= 0 || Dampening != 0)) throw Invalid(nameof(Nesterov), Nesterov, "needs a positive momentum and zero dampening");
        foreach (var p in NoDecayPatterns) NameGlob.Parse(p);
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<SgdOptions>(property), value, problem);
}
