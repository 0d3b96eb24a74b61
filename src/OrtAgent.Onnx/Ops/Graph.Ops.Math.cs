namespace OrtAgent.Onnx;

// Elementwise and linear-algebra operators. Each method appends one node and returns its output.
public sealed partial class Graph
{
    /// <summary>Appends a single-output node and returns its output.</summary>
    public Value Op(string opType, IEnumerable<Value?> inputs, IEnumerable<KeyValuePair<string, AttributeValue>>? attributes = null, string domain = "") =>
        AddNode(opType, inputs, 1, attributes, domain).Outputs[0];

    /// <summary>Appends a single-output default-domain node with no attributes; a null input is an omitted optional one.</summary>
    public Value Op(string opType, params Value?[] inputs) => Op(opType, inputs, null);

    /// <summary>Elementwise <c>a + b</c> (numpy-style broadcasting).</summary>
    public Value Add(Value a, Value b) => Op("Add", a, b);

    /// <summary>Elementwise <c>a − b</c> (numpy-style broadcasting).</summary>
    public Value Sub(Value a, Value b) => Op("Sub", a, b);

    /// <summary>Elementwise <c>a · b</c> (numpy-style broadcasting).</summary>
    public Value Mul(Value a, Value b) => Op("Mul", a, b);

    /// <summary>Elementwise <c>a / b</c> (numpy-style broadcasting).</summary>
    public Value Div(Value a, Value b) => Op("Div", a, b);

    /// <summary>Elementwise <c>a</c> raised to <c>b</c> (numpy-style broadcasting).</summary>
    public Value Pow(Value a, Value b) => Op("Pow", a, b);

    /// <summary>Elementwise <c>−x</c>.</summary>
    public Value Neg(Value x) => Op("Neg", x);

    /// <summary>Elementwise square root; NaN for negative elements.</summary>
    public Value Sqrt(Value x) => Op("Sqrt", x);

    /// <summary>Elementwise <c>1 / x</c>.</summary>
    public Value Reciprocal(Value x) => Op("Reciprocal", x);

    /// <summary>Elementwise <c>e^x</c>.</summary>
    public Value Exp(Value x) => Op("Exp", x);

    /// <summary>Elementwise natural logarithm; −∞ at 0, NaN below.</summary>
    public Value Log(Value x) => Op("Log", x);

    /// <summary>Elementwise absolute value.</summary>
    public Value Abs(Value x) => Op("Abs", x);

    /// <summary>Elementwise Gauss error function (the exact GELU is built from it).</summary>
    public Value Erf(Value x) => Op("Erf", x);

    /// <summary>Elementwise hyperbolic tangent.</summary>
    public Value Tanh(Value x) => Op("Tanh", x);

    /// <summary>Elementwise logistic <c>1 / (1 + e^−x)</c>.</summary>
    public Value Sigmoid(Value x) => Op("Sigmoid", x);

    /// <summary>Elementwise <c>max(x, 0)</c>.</summary>
    public Value Relu(Value x) => Op("Relu", x);

    /// <summary>A copy of <paramref name="x"/> under a new name (to give a value a second name, or to output an input).</summary>
    public Value Identity(Value x) => Op("Identity", x);

    /// <summary>Elementwise logical negation of a bool tensor.</summary>
    public Value Not(Value x) => Op("Not", x);

    /// <summary>Elementwise <c>a == b</c> as bool (numpy-style broadcasting).</summary>
    public Value Equal(Value a, Value b) => Op("Equal", a, b);

    /// <summary>Elementwise logical and of bool tensors (numpy-style broadcasting).</summary>
    public Value And(Value a, Value b) => Op("And", a, b);

    /// <summary>Elementwise logical or of bool tensors (numpy-style broadcasting).</summary>
    public Value Or(Value a, Value b) => Op("Or", a, b);

    /// <summary>Elementwise <c>a &lt; b</c> as bool (numpy-style broadcasting).</summary>
    public Value Less(Value a, Value b) => Op("Less", a, b);

    /// <summary>Elementwise <c>a &gt; b</c> as bool (numpy-style broadcasting).</summary>
    public Value Greater(Value a, Value b) => Op("Greater", a, b);

    /// <summary>Elementwise maximum of one or more inputs (numpy-style broadcasting).</summary>
    public Value Max(params Value[] inputs) => Op("Max", inputs);

    /// <summary>Elementwise minimum of one or more inputs (numpy-style broadcasting).</summary>
    public Value Min(params Value[] inputs) => Op("Min", inputs);

    /// <summary>Elementwise sum of any number of inputs (one input is returned as is).</summary>
    public Value Sum(IReadOnlyList<Value> inputs) => inputs.Count == 1 ? inputs[0] : Op("Sum", inputs);

    /// <summary>Elementwise <paramref name="whenTrue"/> where the bool <paramref name="condition"/> holds, else <paramref name="whenFalse"/> (numpy-style broadcasting).</summary>
    public Value Where(Value condition, Value whenTrue, Value whenFalse) => Op("Where", condition, whenTrue, whenFalse);

    /// <summary>Matrix product with numpy <c>matmul</c> semantics: batch dimensions broadcast, 1-D operands are promoted and the added axis removed.</summary>
    public Value MatMul(Value a, Value b) => Op("MatMul", a, b);

    /// <summary>
    /// <c>alpha · A′ · B′ + beta · C</c> for 2-D <paramref name="a"/> and <paramref name="b"/>, each transposed first when
    /// <paramref name="transA"/> or <paramref name="transB"/> is set; <paramref name="c"/> is optional and broadcasts to the result.
    /// </summary>
    public Value Gemm(Value a, Value b, Value? c = null, float alpha = 1f, float beta = 1f, bool transA = false, bool transB = false) =>
        Op("Gemm", c is null ? [a, b] : [a, b, c], Attrs(("alpha", alpha), ("beta", beta), ("transA", transA ? 1L : 0L), ("transB", transB ? 1L : 0L)));

    /// <summary>Gelu: the opset-20 operator (exact erf form, or tanh approximation).</summary>
    public Value Gelu(Value x, bool tanhApproximation = false) =>
        Op("Gelu", [x], tanhApproximation ? Attrs(("approximate", "tanh")) : null);

    /// <summary>Softmax along <paramref name="axis"/> (negative counts from the end); opset 13+ normalises over that one axis only.</summary>
    public Value Softmax(Value x, long axis = -1) => Op("Softmax", [x], Attrs(("axis", axis)));

    /// <summary>Log of <see cref="Softmax"/> along <paramref name="axis"/>, computed stably.</summary>
    public Value LogSoftmax(Value x, long axis = -1) => Op("LogSoftmax", [x], Attrs(("axis", axis)));

    /// <summary>Elementwise clamp to [<paramref name="min"/>, <paramref name="max"/>]; each bound is a scalar input, null for none.</summary>
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
