using OrtAgent.Onnx;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>
/// Builds an ONNX graph that performs one step of PyTorch's <c>torch.optim.AdamW</c> (non-amsgrad, non-fused)
/// for every parameter at once, after global-norm gradient clipping.
/// </summary>
/// <remarks>
/// <para>Inputs: <c>learning_rate</c> (float), <c>step</c> (int64, 1-based), <c>max_grad_norm</c> (float, ≤ 0 disables
/// clipping); then per parameter <c>p</c>: <c>p</c>, <c>p_grad</c>, <c>p.exp_avg</c>, <c>p.exp_avg_sq</c>.</para>
/// <para>Outputs: <c>grad_norm</c>, then per parameter <c>p.new</c>, <c>p.exp_avg.new</c>, <c>p.exp_avg_sq.new</c>.</para>
/// <para>Per parameter, exactly as PyTorch orders it:
/// <c>p ← p·(1 - lr·wd)</c> (decayed parameters only); <c>m ← m + (1-β₁)(g - m)</c>; <c>v ← β₂v + (1-β₂)g²</c>;
/// <c>p ← p - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + ε)</c>.</para>
/// </remarks>
public static class AdamWOptimizerGraph
{
    /// <summary>Suffix of the first-moment state <c>p.exp_avg</c> (PyTorch's name), shaped like the parameter and zero at the start.</summary>
    public const string FirstMoment = "exp_avg";

    /// <summary>Suffix of the second-moment state <c>p.exp_avg_sq</c> (PyTorch's name), shaped like the parameter and zero at the start.</summary>
    public const string SecondMoment = "exp_avg_sq";

    /// <summary>The state tensors kept per parameter, each shaped like the parameter.</summary>
    public static IReadOnlyList<string> StateNames { get; } = [FirstMoment, SecondMoment];

    /// <exception cref="UserInputException">The options are invalid.</exception>
    public static OnnxModel Build(IReadOnlyList<TrainableParameter> parameters, AdamWOptions? options = null)
    {
        options ??= new AdamWOptions();
        options.Validate();
        var decays = WeightDecayExclusions.Decays(options.NoDecayPatterns);
        var s = OptimizerGraphScaffold.Create("adamw_optimizer", parameters, StateNames);
        var g = s.Graph;

        // Step-wide scalars, computed once: the bias corrections and the decoupled decay factor.
        var biasCorrection1 = g.Sub(s.Scalar(1), g.Pow(s.Scalar(options.Beta1), s.StepAsFloat));
        var biasCorrection2 = g.Sub(s.Scalar(1), g.Pow(s.Scalar(options.Beta2), s.StepAsFloat));
        var stepSize = g.Div(s.LearningRate, biasCorrection1);
        var biasCorrection2Sqrt = g.Sqrt(biasCorrection2);
        var decayFactor = g.Sub(s.Scalar(1), g.Mul(s.LearningRate, s.Scalar(options.WeightDecay)));
        var oneMinusBeta1 = s.Scalar(1 - options.Beta1);
        var beta2 = s.Scalar(options.Beta2);
        var oneMinusBeta2 = s.Scalar(1 - options.Beta2);
        var epsilon = s.Scalar(options.Epsilon);

        foreach (var (parameter, value, gradient, states) in s.Parameters)
        {
            var (m, v) = (states[0], states[1]);
            var decayed = options.WeightDecay > 0 && decays(parameter.Name) ? g.Mul(value, decayFactor) : value;
            var newM = g.Add(m, g.Mul(g.Sub(gradient, m), oneMinusBeta1));
            var newV = g.Add(g.Mul(v, beta2), g.Mul(g.Mul(gradient, gradient), oneMinusBeta2));
            var denominator = g.Add(g.Div(g.Sqrt(newV), biasCorrection2Sqrt), epsilon);
            var newValue = g.Sub(decayed, g.Mul(stepSize, g.Div(newM, denominator)));
            s.AddOutput(newValue, OptimizerGraphNames.Updated(parameter.Name), parameter);
            s.AddOutput(newM, OptimizerGraphNames.Updated(OptimizerGraphNames.State(parameter.Name, FirstMoment)), parameter);
            s.AddOutput(newV, OptimizerGraphNames.Updated(OptimizerGraphNames.State(parameter.Name, SecondMoment)), parameter);
        }
        return new OnnxModel(g);
    }
}
