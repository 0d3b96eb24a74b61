namespace OrtAgent.Runtime;

/// <summary>
/// Finds how many rows a model's position-embedding table has: the longest token sequence the model can run, which
/// neither ONNX Runtime's session nor every model's description tells. The table is the initializer BERT exports
/// name <c>…position_embeddings.weight</c> (OrtAgent's int8 exports: <c>…position_embeddings.weight_int8</c>); its
/// first dimension is the count. A max length above it, recorded in a model's files or asked for as an option, is
/// refused in the one wording <see cref="LongerThan"/> gives, which also words an option above the sequence length a
/// graph's inputs fix.
/// </summary>
/// <remarks>
/// Only the graph's initializers' names and dimensions are read (<see cref="ProtobufFields"/>), so a model of any size
/// costs a few hundred small reads.
/// </remarks>
internal static class PositionTable
{
    private const string Suffix = "position_embeddings.weight";
    private const string Int8Suffix = Suffix + "_int8";

    // ModelProto.graph, GraphProto.initializer, TensorProto.dims and TensorProto.name.
    private const int GraphField = 7, InitializerField = 5, DimsField = 1, NameField = 8;

    /// <summary>
    /// The rows of the position table of the model at <paramref name="modelPath"/>; null when the graph has no table
    /// by that name, or the file cannot be read as a model (whoever loads it judges that, and words it).
    /// </summary>
    public static int? Rows(string modelPath)
    {
        try
        {
            using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            int? rows = null;
            ProtobufFields.ForEach(stream, stream.Length, (field, end) =>
            {
                if (field != GraphField) return;
                ProtobufFields.ForEach(stream, end, (graphField, initializerEnd) =>
                {
                    if (graphField == InitializerField && rows is null) rows = TableRows(stream, initializerEnd);
                });
            });
            return rows;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// <paramref name="recorded"/>, the max length <paramref name="field"/> of <paramref name="file"/> records, when the
    /// table (<paramref name="rows"/>, null when there is none) can run it. A longer record would load, and the first
    /// text that long would fail inside ONNX Runtime.
    /// </summary>
    /// <exception cref="ModelLoadException">The record is longer than the table; the message names the file, the field and both numbers.</exception>
    public static int NoLongerThanTheTable(int recorded, int? rows, string file, string field) =>
        recorded > rows
            ? throw new ModelLoadException($"{file}: {field} is {recorded}, {LongerThan(rows.Value, ModelContract.ModelFile)}")
            : recorded;

    /// <summary>
    /// How every refusal of a length the model cannot run ends, whether a file records it or an option asks for it:
    /// "longer than the N rows of <paramref name="model"/>'s position table, …", or, where the graph's inputs fix a
    /// shorter sequence length (<paramref name="inputsFixIt"/>), "longer than N, the sequence length …'s inputs fix, …".
    /// </summary>
    /// <param name="length">The table's rows, or the length the inputs fix.</param>
    /// <param name="model">The model file, as the message should name it.</param>
    /// <param name="inputsFixIt">Whether <paramref name="length"/> is the sequence length the graph's inputs fix.</param>
    public static string LongerThan(int length, string model, bool inputsFixIt = false) =>
        $"longer than {(inputsFixIt ? $"{length}, the sequence length {model}'s inputs fix" : $"the {length} rows of {model}'s position table")}, "
        + "the longest sequence the model can run";

    /// <summary>
    /// The refusal of <paramref name="length"/> when the model cannot run it (see <see cref="LongerThan"/>), naming
    /// the tighter of its two bounds; null when it can.
    /// </summary>
    /// <param name="length">The length asked for.</param>
    /// <param name="rows">The position table's rows; null when there is none.</param>
    /// <param name="fixedLength">The sequence length the graph's inputs fix; 0 when they take any.</param>
    /// <param name="model">The model file, as the message should name it.</param>
    public static string? RefusalOf(int length, int? rows, int fixedLength, string model) =>
        fixedLength > 0 && length > fixedLength && !(rows < fixedLength) ? LongerThan(fixedLength, model, inputsFixIt: true)
        : length > rows ? LongerThan(rows.Value, model)
        : null;

    /// <summary>The first dimension of the initializer the stream is at, when it is the position table.</summary>
    private static int? TableRows(Stream stream, long end)
    {
        long? firstDim = null;
        string? name = null;
        ProtobufFields.ForEach(stream, end, (field, fieldEnd) =>
        {
            if (field == NameField)
            {
                name = ProtobufFields.ReadString(stream, fieldEnd);
            }
            else if (field == DimsField)
            {
                // Packed dims: a run of varints, the first one the rows.
                firstDim ??= (long)ProtobufFields.ReadVarint(stream);
            }
        }, onVarint: (field, value) =>
        {
            if (field == DimsField) firstDim ??= (long)value;
        });
        return name is not null && (name.EndsWith(Suffix, StringComparison.Ordinal) || name.EndsWith(Int8Suffix, StringComparison.Ordinal))
            && firstDim is > 0 and <= int.MaxValue
            ? (int)firstDim.Value
            : null;
    }
}
