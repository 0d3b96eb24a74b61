using OrtAgent.Onnx;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>
/// Builds an ONNX graph that performs one step of PyTorch's <c>torch.optim.SGD</c> for every parameter,
/// after global-norm gradient clipping.
/// </summary>
/// <remarks>
/// <para>Inputs: <c>learning_rate</c>, <c>step</c>, <c>max_grad_norm</c>; per parameter <c>p</c>: <c>p</c>, <c>p_grad</c>,
/// and <c>p.momentum_buffer</c> when momentum is on. Outputs: <c>grad_norm</c>, <c>p.new</c>, <c>p.momentum_buffer.new</c>.</para>
/// <para>Per parameter: <c>d = g + wd·p</c> (decayed parameters only); with momentum,
/// <c>b = d</c> on step 1 (PyTorch clones the first gradient into the buffer) and <c>b = μb + (1-dampening)d</c> after;
/// <c>d = d + μb</c> (Nesterov) or <c>d = b</c>; <c>p ← p - lr·d</c>.</para>
/// </remarks>
public static class SgdOptimizerGraph
{
    /// <summary>Suffix of the momentum state <c>p.momentum_buffer</c> (PyTorch's name), shaped like the parameter; present only when momentum is on.</summary>
    public const string MomentumBuffer = "momentum_buffer";

    /// <summary>The state tensors kept per parameter: the momentum buffer, or none without momentum.</summary>
    public static IReadOnlyList<string> StateNamesFor(SgdOptions options) => options.Momentum > 0 ? [MomentumBuffer] : [];

    /// <exception cref="UserInputException">The options are invalid.</exception>
    public static OnnxModel Build(IReadOnlyList<TrainableParameter> parameters, SgdOptions? options = null)
    {
        options ??= new SgdOptions();
        options.Validate();
        var decays = WeightDecayExclusions.Decays(options.NoDecayPatterns);
        var states = StateNamesFor(options);
        var s = OptimizerGraphScaffold.Create("sgd_optimizer", parameters, states);
        var g = s.Graph;
        var weightDecay = s.Scalar(options.WeightDecay);
        var momentum = s.Scalar(options.Momentum);
        var oneMinusDampening = s.Scalar(1 - options.Dampening);
        var isFirstStep = g.Equal(s.StepAsInt64, g.Constant(TensorData.Scalar(1L), "one"));

        foreach (var (parameter, value, gradient, stateInputs) in s.Parameters)
        {
            var direction = options.WeightDecay > 0 && decays(parameter.Name) ? g.Add(gradient, g.Mul(value, weightDecay)) : gradient;
            Value? newBuffer = null;
            if (options.Momentum > 0)
            {
                var buffer = stateInputs[0];
                var continued = g.Add(g.Mul(buffer, momentum), g.Mul(direction, oneMinusDampening));
                newBuffer = g.Where(isFirstStep, direction, continued);
                direction = options.Nesterov ? g.Add(direction, g.Mul(newBuffer, momentum)) : newBuffer;
            }
            var newValue = g.Sub(value, g.Mul(direction, s.LearningRate));
            s.AddOutput(newValue, OptimizerGraphNames.Updated(parameter.Name), parameter);
            if (newBuffer is not null)
                s.AddOutput(newBuffer, OptimizerGraphNames.Updated(OptimizerGraphNames.State(parameter.Name, MomentumBuffer)), parameter);
        }
        return new OnnxModel(g);
    }
}
