namespace OrtAgent.Onnx;

// Elementwise and linear-algebra operators. Each method appends one node and returns its output.
public sealed partial class Graph
{
    /// <summary>Appends a single-output node and returns its output.</summary>
    public Value Op(string opType, IEnumerable<Value?> inputs, IEnumerable<KeyValuePair<string, AttributeValue>>? attributes = null, string domain = "") =>
        AddNode(opType, inputs, 1, attributes, domain).Outputs[0];

    public Value Op(string opType, params Value?[] inputs) => Op(opType, inputs, null);

    public Value Add(Value a, Value b) => Op("Add", a, b);

    public Value Sub(Value a, Value b) => Op("Sub", a, b);

    public Value Mul(Value a, Value b) => Op("Mul", a, b);

    public Value Div(Value a, Value b) => Op("Div", a, b);

    public Value Pow(Value a, Value b) => Op("Pow", a, b);

    public Value Neg(Value x) => Op("Neg", x);

    public Value Sqrt(Value x) => Op("Sqrt", x);

    public Value Reciprocal(Value x) => Op("Reciprocal", x);

    public Value Exp(Value x) => Op("Exp", x);

    public Value Log(Value x) => Op("Log", x);

    public Value Abs(Value x) => Op("Abs", x);

    public Value Erf(Value x) => Op("Erf", x);

    public Value Tanh(Value x) => Op("Tanh", x);

    public Value Sigmoid(Value x) => Op("Sigmoid", x);

    public Value Relu(Value x) => Op("Relu", x);

    public Value Identity(Value x) => Op("Identity", x);

    public Value Not(Value x) => Op("Not", x);

    public Value Equal(Value a, Value b) => Op("Equal", a, b);

    public Value And(Value a, Value b) => Op("And", a, b);

    public Value Or(Value a, Value b) => Op("Or", a, b);

    public Value Less(Value a, Value b) => Op("Less", a, b);

    public Value Greater(Value a, Value b) => Op("Greater", a, b);

    public Value Max(params Value[] inputs) => Op("Max", inputs);

    public Value Min(params Value[] inputs) => Op("Min", inputs);

    /// <summary>Elementwise sum of any number of inputs (one input is returned as is).</summary>
    public Value Sum(IReadOnlyList<Value> inputs) => inputs.Count == 1 ? inputs[0] : Op("Sum", inputs);

    public Value Where(Value condition, Value whenTrue, Value whenFalse) => Op("Where", condition, whenTrue, whenFalse);

    public Value MatMul(Value a, Value b) => Op("MatMul", a, b);

    public Value Gemm(Value a, Value b, Value? c = null, float alpha = 1f, float beta = 1f, bool transA = false, bool transB = false) =>
        Op("Gemm", c is null ? [a, b] : [a, b, c], Attrs(("alpha", alpha), ("beta", beta), ("transA", transA ? 1L : 0L), ("transB", transB ? 1L : 0L)));

    /// <summary>Gelu: the opset-20 operator (exact erf form, or tanh approximation).</summary>
    public Value Gelu(Value x, bool tanhApproximation = false) =>
        Op("Gelu", [x], tanhApproximation ? Attrs(("approximate", "tanh")) : null);

    public Value Softmax(Value x, long axis = -1) => Op("Softmax", [x], Attrs(("axis", axis)));

    public Value LogSoftmax(Value x, long axis = -1) => Op("LogSoftmax", [x], Attrs(("axis", axis)));

    public Value Clip(Value x, Value? min, Value? max) => Op("Clip", x, min, max);

    /// <summary>A scalar constant of the element type of <paramref name="like"/> (float when unknown).</summary>
    public Value ScalarLike(Value like, double value) =>
        Constant(TensorData.ScalarOf(like.Type == ElementType.Undefined ? ElementType.Float : like.Type, value), "scalar");

    /// <summary>A 1-D int64 constant, the form shape, axes, starts and ends inputs take.</summary>
    public Value Int64s(params long[] values) => Constant(TensorData.Vector(values), "ints");

    /// <summary>Builds an attribute list from pairs; a null value drops the pair.</summary>
    public static List<KeyValuePair<string, AttributeValue>> Attrs(params (string Name, AttributeValue? Value)[] pairs) =>
        pairs.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, AttributeValue>(p.Name, p.Value!)).ToList();
}
