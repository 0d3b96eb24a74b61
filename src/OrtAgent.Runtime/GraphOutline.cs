namespace OrtAgent.Runtime;

/// <summary>
/// What a model's graph is made of, without its weights: each initializer's name and dimensions, each node's operator,
/// inputs and outputs (a <c>Constant</c> node's tensor dimensions too), and the graph's inputs. Read by
/// <see cref="ProtobufFields"/>, so weights are stepped over and a model of any size costs a few thousand small reads.
/// </summary>
internal sealed class GraphOutline
{
    // ModelProto.graph; GraphProto.node, .initializer, .input; NodeProto.input, .output, .op_type, .attribute;
    // AttributeProto.t; TensorProto.dims, .name; ValueInfoProto.name.
    private const int GraphField = 7, NodeField = 1, InitializerField = 5, GraphInputField = 11;
    private const int NodeInputField = 1, NodeOutputField = 2, OpTypeField = 4, AttributeField = 5, AttributeTensorField = 5;
    private const int DimsField = 1, TensorNameField = 8, ValueInfoNameField = 1;

    /// <summary>A node: its operator, its inputs ("" for one left out) and outputs, and, for a <c>Constant</c>, its tensor's dimensions.</summary>
    public sealed record Node(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<long>? ConstantDims);

    /// <summary>Each initializer's dimensions, by name.</summary>
    public Dictionary<string, IReadOnlyList<long>> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>The nodes, in file order.</summary>
    public List<Node> Nodes { get; } = [];

    /// <summary>The graph's inputs (older files list initializers among them too).</summary>
    public HashSet<string> Inputs { get; } = new(StringComparer.Ordinal);

    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">It is no protobuf message.</exception>
    public static GraphOutline Read(Stream stream)
    {
        var outline = new GraphOutline();
        ProtobufFields.ForEach(stream, stream.Length, (field, end) =>
        {
            if (field != GraphField) return;
            ProtobufFields.ForEach(stream, end, (graphField, fieldEnd) =>
            {
                switch (graphField)
                {
                    case InitializerField:
                        var (name, dims) = Tensor(stream, fieldEnd);
                        if (name is not null) outline.Initializers.TryAdd(name, dims);
                        break;
                    case NodeField:
                        outline.Nodes.Add(ReadNode(stream, fieldEnd));
                        break;
                    case GraphInputField:
                        ProtobufFields.ForEach(stream, fieldEnd, (inputField, inputEnd) =>
                        {
                            if (inputField == ValueInfoNameField) outline.Inputs.Add(ProtobufFields.ReadString(stream, inputEnd));
                        });
                        break;
                }
            });
        });
        return outline;
    }

    /// <summary>The dimensions of the tensor <paramref name="value"/> names when it is a constant (an initializer or a <c>Constant</c> node's output); null otherwise.</summary>
    public IReadOnlyList<long>? ConstantDims(string value, IReadOnlyDictionary<string, Node> producers) =>
        Initializers.TryGetValue(value, out var dims) ? dims
        : producers.TryGetValue(value, out var node) && node.OpType == "Constant" ? node.ConstantDims
        : null;

    /// <summary>The node producing each value.</summary>
    public Dictionary<string, Node> Producers()
    {
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in Nodes)
            foreach (var output in node.Outputs)
                if (output.Length > 0) producers.TryAdd(output, node);
        return producers;
    }

    private static Node ReadNode(Stream stream, long end)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string opType = "";
        IReadOnlyList<long>? constantDims = null;
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            switch (field)
            {
                case NodeInputField: inputs.Add(ProtobufFields.ReadString(stream, fieldEnd)); break;
                case NodeOutputField: outputs.Add(ProtobufFields.ReadString(stream, fieldEnd)); break;
                case OpTypeField: opType = ProtobufFields.ReadString(stream, fieldEnd); break;
                case AttributeField:
                    ProtobufFields.ForEach(stream, fieldEnd, (attributeField, attributeEnd) =>
                    {
                        if (attributeField == AttributeTensorField) constantDims ??= Tensor(stream, attributeEnd).Dims;
                    });
                    break;
            }
        });
        return new Node(opType, inputs, outputs, constantDims);
    }

    /// <summary>The name and dimensions of the <c>TensorProto</c> the stream is at; its data is stepped over.</summary>
    private static (string? Name, IReadOnlyList<long> Dims) Tensor(Stream stream, long end)
    {
        string? name = null;
        var dims = new List<long>();
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            if (field == TensorNameField) name = ProtobufFields.ReadString(stream, fieldEnd);
            else if (field == DimsField)
                // Packed dims: a run of varints.
                while (stream.Position < fieldEnd) dims.Add((long)ProtobufFields.ReadVarint(stream));
        }, onVarint: (field, value) =>
        {
            if (field == DimsField) dims.Add((long)value);
        });
        return (name, dims);
    }
}
