using OrtAgent.Onnx;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>
/// What every optimizer graph shares: the scalar inputs, one (parameter, gradient) input pair per parameter,
/// and global-norm gradient clipping with <c>torch.nn.utils.clip_grad_norm_</c>'s semantics.
/// </summary>
internal sealed class OptimizerGraphScaffold
{
    /// <summary>The opset of every generated training graph.</summary>
    public const int Opset = 17;

    private OptimizerGraphScaffold(Graph graph) => Graph = graph;

    public Graph Graph { get; }

    public required Value LearningRate { get; init; }

    /// <summary>The step as a float scalar, for powers of the betas.</summary>
    public required Value StepAsFloat { get; init; }

    public required Value StepAsInt64 { get; init; }

    public required IReadOnlyList<OptimizedParameter> Parameters { get; init; }

    /// <summary>Declares the inputs (per parameter: value, gradient, then <paramref name="stateNames"/>) and the clipping.</summary>
    public static OptimizerGraphScaffold Create(string graphName, IReadOnlyList<TrainableParameter> parameters,
        IReadOnlyList<string> stateNames)
    {
        if (parameters.Count == 0) throw new ArgumentException("An optimizer needs at least one parameter.", nameof(parameters));
        var duplicate = parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Parameter '{duplicate.Key}' is listed twice.", nameof(parameters));

        var g = new Graph(graphName, Opset);
        var lr = g.AddInput(OptimizerGraphNames.LearningRate, ElementType.Float, []);
        var step = g.AddInput(OptimizerGraphNames.Step, ElementType.Int64, []);
        var maxNorm = g.AddInput(OptimizerGraphNames.MaxGradNorm, ElementType.Float, []);

        var declared = new List<(TrainableParameter Parameter, Value Value, Value Gradient, Value[] States)>();
        foreach (var p in parameters)
        {
            var shape = p.Shape.Select(Dim.Known).ToArray();
            var value = g.AddInput(p.Name, ElementType.Float, shape);
            var gradient = g.AddInput(OptimizerGraphNames.Gradient(p.Name), ElementType.Float, shape);
            var states = stateNames.Select(state => g.AddInput(OptimizerGraphNames.State(p.Name, state), ElementType.Float, shape)).ToArray();
            declared.Add((p, value, gradient, states));
        }

        // Global norm over ALL gradients, then scale = min(1, max_norm / (norm + 1e-6)) as clip_grad_norm_ does.
        var norm = g.Sqrt(g.Sum(declared.Select(d => g.ReduceSumSquareAll(d.Gradient)).ToList()));
        var scale = g.Min(g.ScalarLike(norm, 1.0), g.Div(maxNorm, g.Add(norm, g.ScalarLike(norm, 1e-6))));
        var clippingOn = g.Greater(maxNorm, g.ScalarLike(maxNorm, 0.0));
        var effectiveScale = g.Where(clippingOn, scale, g.ScalarLike(norm, 1.0));
        var clipped = declared.Select(d => new OptimizedParameter(d.Parameter, d.Value, g.Mul(d.Gradient, effectiveScale), d.States)).ToList();

        GraphOutputs.Expose(g, norm, OptimizerGraphNames.GradNorm, ElementType.Float, []);

        return new OptimizerGraphScaffold(g)
        {
            LearningRate = lr,
            StepAsInt64 = step,
            StepAsFloat = g.Cast(step, ElementType.Float),
            Parameters = clipped,
        };
    }

    public Value Scalar(double value) => Graph.Constant(TensorData.Scalar((float)value), "hyper");

    /// <summary>Exposes <paramref name="value"/> as the graph output <paramref name="name"/> with the parameter's type and shape.</summary>
    public void AddOutput(Value value, string name, TrainableParameter shapeOf) =>
        GraphOutputs.Expose(Graph, value, name, ElementType.Float, shapeOf.Shape.Select(Dim.Known).ToArray());
}

/// <summary>One parameter's inputs in an optimizer graph: its value, its clipped gradient and its state inputs.</summary>
internal sealed record OptimizedParameter(TrainableParameter Parameter, Value Value, Value ClippedGradient, IReadOnlyList<Value> States);
