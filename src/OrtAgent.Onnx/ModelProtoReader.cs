using Google.Protobuf;
using Onnx;

namespace OrtAgent.Onnx;

/// <summary>Builds an <see cref="OnnxModel"/> from a parsed <see cref="ModelProto"/>.</summary>
internal static class ModelProtoReader
{
    public static OnnxModel Read(ModelProto proto, string? baseDirectory)
    {
        var graph = new Graph(proto.Graph.Name, 0) { DocString = NullIfEmpty(proto.Graph.DocString) };
        graph.Opsets.Clear();
        foreach (var opset in proto.OpsetImport) graph.Opsets[opset.Domain] = opset.Version;

        var byName = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var init in proto.Graph.Initializer)
            byName[init.Name] = graph.AddInitializer(init.Name, TensorProtoConverter.FromProto(init, baseDirectory));
        foreach (var input in proto.Graph.Input)
        {
            if (byName.TryGetValue(input.Name, out var asInitializer))
            {
                // Old exporters list initializers among the inputs too; the initializer is what counts.
                ApplyType(asInitializer, input.Type);
                continue;
            }
            var value = graph.AddInput(input.Name, ElementType.Undefined, null);
            ApplyType(value, input.Type);
            byName[input.Name] = value;
        }
        foreach (var nodeProto in proto.Graph.Node)
        {
            var node = graph.AddLoadedNode(nodeProto.OpType, nodeProto.Domain, nodeProto.Name);
            node.DocString = NullIfEmpty(nodeProto.DocString);
            foreach (var inputName in nodeProto.Input)
            {
                if (inputName.Length == 0) { node.Inputs.Add(null); continue; }
                if (!byName.TryGetValue(inputName, out var input))
                    throw new InvalidDataException($"{node.Describe()} reads '{inputName}', which nothing before it defines");
                node.Inputs.Add(input);
            }
            foreach (var outputName in nodeProto.Output)
            {
                var output = graph.CreateLoadedValue(outputName);
                Graph.AttachOutput(node, output);
                byName[outputName] = output;
            }
            foreach (var attribute in nodeProto.Attribute)
                node.Attributes[attribute.Name] = ReadAttribute(attribute, baseDirectory);
        }
        foreach (var output in proto.Graph.Output)
        {
            if (!byName.TryGetValue(output.Name, out var value))
                throw new InvalidDataException($"graph output '{output.Name}' is not computed by any node");
            ApplyType(value, output.Type);
            graph.Outputs.Add(value);
        }
        foreach (var info in proto.Graph.ValueInfo)
            if (byName.TryGetValue(info.Name, out var value))
            {
                ApplyType(value, info.Type);
                value.HasValueInfo = true;
            }

        var model = new OnnxModel(graph)
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            Domain = proto.Domain,
            ModelVersion = proto.ModelVersion,
            DocString = proto.DocString,
        };
        foreach (var entry in proto.MetadataProps) model.Metadata[entry.Key] = entry.Value;
        return model;
    }

    internal static void ApplyType(Value value, TypeProto? type)
    {
        if (type?.TensorType is not { } tensor) return;
        if (tensor.ElemType != 0) value.Type = (ElementType)tensor.ElemType;
        if (tensor.Shape is null) return;
        value.Shape = tensor.Shape.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Known(d.DimValue),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Symbolic(d.DimParam),
            _ => Dim.Unknown,
        }).ToArray();
    }

    private static AttributeValue ReadAttribute(AttributeProto a, string? baseDirectory) => a.Type switch
    {
        AttributeProto.Types.AttributeType.Float => a.F,
        AttributeProto.Types.AttributeType.Int => a.I,
        AttributeProto.Types.AttributeType.String => a.S.ToStringUtf8(),
        AttributeProto.Types.AttributeType.Tensor => TensorProtoConverter.FromProto(a.T, baseDirectory),
        AttributeProto.Types.AttributeType.Floats => a.Floats.ToArray(),
        AttributeProto.Types.AttributeType.Ints => a.Ints.ToArray(),
        AttributeProto.Types.AttributeType.Strings => AttributeValue.Strings(a.Strings.Select(s => s.ToStringUtf8()).ToArray()),
        _ => AttributeValue.Opaque(a.Clone()),
    };

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    internal static ByteString Utf8(string s) => ByteString.CopyFromUtf8(s);
}
