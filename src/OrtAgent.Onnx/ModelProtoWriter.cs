using Onnx;

namespace OrtAgent.Onnx;

/// <summary>Turns an <see cref="OnnxModel"/> back into a <see cref="ModelProto"/>.</summary>
internal static class ModelProtoWriter
{
    public static ModelProto Write(OnnxModel model)
    {
        var graph = model.Graph;
        var proto = new ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName ?? "",
            ProducerVersion = model.ProducerVersion ?? "",
            Domain = model.Domain ?? "",
            ModelVersion = model.ModelVersion,
            DocString = model.DocString ?? "",
            Graph = new GraphProto { Name = graph.Name, DocString = graph.DocString ?? "" },
        };
        foreach (var (domain, version) in graph.Opsets)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        foreach (var (key, value) in model.Metadata)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

        var g = proto.Graph;
        foreach (var input in graph.Inputs) g.Input.Add(ValueInfo(input));
        foreach (var init in graph.Initializers) g.Initializer.Add(TensorProtoConverter.ToProto(init.Name, init.Initializer!));
        foreach (var node in graph.Nodes)
        {
            var n = new NodeProto { OpType = node.OpType, Domain = node.Domain, Name = node.Name, DocString = node.DocString ?? "" };
            n.Input.AddRange(node.Inputs.Select(i => i?.Name ?? ""));
            n.Output.AddRange(node.Outputs.Select(o => o.Name));
            foreach (var (name, value) in node.Attributes) n.Attribute.Add(WriteAttribute(name, value));
            g.Node.Add(n);
            foreach (var output in node.Outputs)
                if (output.HasValueInfo) g.ValueInfo.Add(ValueInfo(output));
        }
        foreach (var output in graph.Outputs) g.Output.Add(ValueInfo(output));
        return proto;
    }

    internal static ValueInfoProto ValueInfo(Value value)
    {
        // Elem type 0 is invalid to ONNX Runtime, while a missing type is inferred: say nothing rather than something wrong.
        if (value.Type == ElementType.Undefined) return new ValueInfoProto { Name = value.Name };
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)value.Type };
        if (value.Shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in value.Shape)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (d.Value is long v) dim.DimValue = v;
                else if (d.Symbol is string s) dim.DimParam = s;
                tensor.Shape.Dim.Add(dim);
            }
        }
        return new ValueInfoProto { Name = value.Name, Type = new TypeProto { TensorType = tensor } };
    }

    private static AttributeProto WriteAttribute(string name, AttributeValue value)
    {
        if (value.Kind == AttributeKind.Opaque)
        {
            var opaque = ((AttributeProto)value.Value).Clone();
            opaque.Name = name;
            return opaque;
        }
        var a = new AttributeProto { Name = name };
        switch (value.Value)
        {
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ModelProtoReader.Utf8(s); break;
            case TensorData t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = TensorProtoConverter.ToProto("", t); break;
            case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
            case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); break;
            case string[] ss: a.Type = AttributeProto.Types.AttributeType.Strings; a.Strings.AddRange(ss.Select(ModelProtoReader.Utf8)); break;
            default: throw new NotSupportedException($"Attribute '{name}' holds {value.Value.GetType().Name}.");
        }
        return a;
    }
}
