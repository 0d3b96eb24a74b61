using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// What a <see cref="GradientRule"/> sees of one forward node: its inputs <see cref="I"/>, outputs <see cref="O"/>,
/// the gradients arriving at its outputs <see cref="GO"/>, and which input gradients are wanted
/// (<see cref="IsGradientRequired"/>), plus the small building blocks every rule needs: typed scalar constants,
/// one cached shape per value, and un-broadcasting (<see cref="SumToShape"/>). Backward nodes are appended to
/// <see cref="Graph"/> in the forward's element type.
/// </summary>
public sealed class GradientContext
{
    private readonly BackwardState _state;
    private readonly Value?[] _outputGradients;
    private readonly bool[] _required;

    internal GradientContext(BackwardState state, Node node, Value?[] outputGradients, bool[] required)
    {
        _state = state;
        Node = node;
        _outputGradients = outputGradients;
        _required = required;
    }

    /// <summary>The graph being differentiated; rules append backward nodes to it.</summary>
    public Graph Graph => _state.Graph;

    /// <summary>The forward node whose input gradients the rule computes.</summary>
    public Node Node { get; }

    /// <summary>Forward input <paramref name="i"/>; throws when the node does not have it.</summary>
    public Value I(int i) => Node.Input(i) ?? throw new InvalidOperationException($"{Node.Describe()} has no input {i}.");

    /// <summary>Forward input <paramref name="i"/>, or null when the optional input is absent.</summary>
    public Value? OptionalI(int i) => Node.Input(i);

    /// <summary>Forward output <paramref name="i"/>, added to the node when the forward graph left the optional output off.</summary>
    public Value O(int i)
    {
        while (Node.Outputs.Count <= i) Graph.AddNodeOutput(Node);
        return Node.Outputs[i];
    }

    /// <summary>The gradient of the loss with respect to output <paramref name="i"/>; zeros when none arrived.</summary>
    public Value GO(int i) => _outputGradients[i] ?? ZerosLike(O(i));

    /// <summary>Whether the gradient of input <paramref name="i"/> is needed (it lies on a path from a parameter).</summary>
    public bool IsGradientRequired(int i) => i < _required.Length && _required[i];

    /// <summary>The element type gradients of this node flow in: that of output 0 (float when unknown).</summary>
    public ElementType T => TypeOf(Node.Outputs[0]) is var t && t != ElementType.Undefined ? t : ElementType.Float;

    /// <summary>The element type of <paramref name="v"/>, declared or deduced from its producers; <see cref="ElementType.Undefined"/> when neither.</summary>
    public ElementType TypeOf(Value v) => _state.Facts.TypeOf(v);

    /// <summary>The static rank when declared or deducible locally; null otherwise.</summary>
    public int? RankOf(Value v) => _state.Facts.RankOf(v);

    /// <summary>A scalar constant of type <see cref="T"/> (shared between rules).</summary>
    public Value Scalar(double value) => _state.Scalar(T, value);

    /// <summary>A scalar constant of <paramref name="type"/> (shared between rules).</summary>
    public Value Scalar(double value, ElementType type) => _state.Scalar(type, value);

    /// <summary>A 1-D int64 constant (shared between rules).</summary>
    public Value Ints(params long[] values) => _state.Ints(values);

    /// <summary>The shape of <paramref name="v"/> as a 1-D int64 value: a constant when fully known, else one Shape node per value.</summary>
    public Value ShapeOf(Value v) => _state.ShapeOf(v);

    /// <summary>Zeros shaped like <paramref name="v"/>, of its element type (<see cref="T"/> when unknown).</summary>
    public Value ZerosLike(Value v) => _state.ZerosLike(v, TypeOf(v) is var t && t != ElementType.Undefined ? t : T);

    /// <summary>
    /// Sums <paramref name="grad"/>, which is shaped like this node's broadcast output, down to the shape of
    /// <paramref name="input"/>. Emits nothing when the node's inputs provably share one shape, static reductions
    /// when ranks are known, and run-time axes (from Shape comparisons) otherwise. The last
    /// <paramref name="matrixAxes"/> axes of the input take no part in broadcasting (2 for MatMul's operands).
    /// </summary>
    public Value SumToShape(Value grad, Value input, int matrixAxes = 0) => _state.SumToShape(grad, input, Node, matrixAxes);

    /// <summary>The constant tensor behind <paramref name="v"/> (initializer or Constant node), or null.</summary>
    public static TensorData? ConstantOf(Value? v) => ValueFacts.ConstantOf(v);

    /// <summary>The constant behind <paramref name="v"/> converted to int64 (axes, shapes, indices), or null when it is computed at run time.</summary>
    public static long[]? ConstantInts(Value? v) => ValueFacts.ConstantInts(v);

    /// <summary>An error naming this node, for forms a rule does not handle.</summary>
    public NotSupportedException Unsupported(string what) => new($"Gradient of {Node.Describe()}: {what} is not supported.");
}
