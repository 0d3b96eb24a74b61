namespace OrtAgent.Runtime;

/// <summary>
/// The external data files a <c>.onnx</c> model names (<c>model.onnx.data</c> beside a model saved with external data):
/// the files whose bytes are the weights of its tensors marked external, which ONNX Runtime reads with the model. Found
/// by reading the tensors' <c>external_data</c> locations only (<see cref="ProtobufFields"/>), in initializers, sparse
/// initializers and node attributes, subgraphs included.
/// </summary>
internal static class ExternalDataFiles
{
    // ModelProto.graph; GraphProto.node, .initializer, .sparse_initializer; NodeProto.attribute.
    private const int ModelGraph = 7, GraphNode = 1, GraphInitializer = 5, GraphSparseInitializer = 15, NodeAttribute = 5;

    // AttributeProto.t, .g, .tensors, .graphs, .sparse_tensor, .sparse_tensors.
    private const int AttributeTensor = 5, AttributeGraph = 6, AttributeTensors = 10, AttributeGraphs = 11, AttributeSparseTensor = 22, AttributeSparseTensors = 23;

    // SparseTensorProto.values, .indices; TensorProto.external_data; StringStringEntryProto.key, .value.
    private const int SparseValues = 1, SparseIndices = 2, TensorExternalData = 13, EntryKey = 1, EntryValue = 2;

    /// <summary>
    /// The locations, relative to the model's directory, of the external data files the model in
    /// <paramref name="model"/> names, each once, in the order the model first names it; empty for a model that keeps
    /// its weights inline, or one that cannot be read as a model (whoever loads it judges that, and words it). A
    /// location outside the model's directory (rooted, or through <c>..</c>) is left out: a model naming one is refused
    /// when loaded.
    /// </summary>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static IReadOnlyList<string> Of(Stream model)
    {
        var locations = new List<string>();
        try
        {
            model.Position = 0;
            ProtobufFields.ForEach(model, model.Length, (field, end) =>
            {
                if (field == ModelGraph) Graph(model, end, locations);
            });
        }
        catch (Exception ex) when (ex is InvalidDataException or OverflowException or EndOfStreamException)
        {
            return [];
        }
        return locations.Distinct(StringComparer.Ordinal)
            .Where(location => !Path.IsPathRooted(location) && !location.Split('/', '\\').Contains(".."))
            .ToList();
    }

    /// <summary>
    /// Refuses each of <paramref name="locations"/> (<see cref="Of"/>), beside the model at <paramref name="modelPath"/>,
    /// that exists and is not a regular file, in the words <c>model.onnx</c> itself is refused in
    /// (<see cref="ModelFolderFile"/>): a FIFO there hung the load, waiting for a writer, with nothing said.
    /// </summary>
    /// <exception cref="ModelLoadException">One is a directory, a FIFO, a device or a socket.</exception>
    public static void RequireRegularFiles(string modelPath, IReadOnlyList<string> locations)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        foreach (var location in locations) ModelFolderFile.RequireRegularFile(Path.Combine(directory, location));
    }

    private static void Graph(Stream stream, long end, List<string> locations) =>
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            switch (field)
            {
                case GraphInitializer: Tensor(stream, fieldEnd, locations); break;
                case GraphSparseInitializer: SparseTensor(stream, fieldEnd, locations); break;
                case GraphNode:
                    ProtobufFields.ForEach(stream, fieldEnd, (nodeField, attributeEnd) =>
                    {
                        if (nodeField == NodeAttribute) Attribute(stream, attributeEnd, locations);
                    });
                    break;
            }
        });

    private static void Attribute(Stream stream, long end, List<string> locations) =>
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            switch (field)
            {
                case AttributeTensor or AttributeTensors: Tensor(stream, fieldEnd, locations); break;
                case AttributeGraph or AttributeGraphs: Graph(stream, fieldEnd, locations); break;
                case AttributeSparseTensor or AttributeSparseTensors: SparseTensor(stream, fieldEnd, locations); break;
            }
        });

    private static void SparseTensor(Stream stream, long end, List<string> locations) =>
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            if (field is SparseValues or SparseIndices) Tensor(stream, fieldEnd, locations);
        });

    private static void Tensor(Stream stream, long end, List<string> locations) =>
        ProtobufFields.ForEach(stream, end, (field, entryEnd) =>
        {
            if (field != TensorExternalData) return;
            string? key = null, value = null;
            ProtobufFields.ForEach(stream, entryEnd, (entryField, textEnd) =>
            {
                if (entryField == EntryKey) key = ProtobufFields.ReadString(stream, textEnd);
                else if (entryField == EntryValue) value = ProtobufFields.ReadString(stream, textEnd);
            });
            if (key == "location" && value is { Length: > 0 }) locations.Add(value);
        });
}
