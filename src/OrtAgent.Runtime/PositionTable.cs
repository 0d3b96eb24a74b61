namespace OrtAgent.Runtime;

/// <summary>
/// Finds how many rows a model's position-embedding table has: the longest token sequence the model can run, which
/// neither ONNX Runtime's session nor every model's description tells. The table is the initializer BERT exports
/// name <c>…position_embeddings.weight</c> (OrtAgent's int8 exports: <c>…position_embeddings.weight_int8</c>), or,
/// under another name, the one the graph looks position ids up in (<see cref="RowsByStructure"/>); its first dimension
/// is the count. A max length above it, recorded in a model's files or asked for as an option, is
/// refused in the one wording <see cref="LongerThan"/> gives, which also words an option above the sequence length a
/// graph's inputs fix.
/// </summary>
/// <remarks>
/// Only the graph's outline is read (<see cref="GraphOutline"/>: names, dimensions, operators), so a model of any size
/// costs a few thousand small reads.
/// </remarks>
internal static class PositionTable
{
    private const string Suffix = "position_embeddings.weight";
    private const string Int8Suffix = Suffix + "_int8";

    /// <summary>
    /// The rows of the position table of the model at <paramref name="modelPath"/>; null when the graph has none that
    /// can be told, or the file cannot be read as a model (whoever loads it judges that, and words it).
    /// </summary>
    public static int? Rows(string modelPath)
    {
        try
        {
            using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            var outline = GraphOutline.Read(stream);
            int? rows = outline.Initializers.FirstOrDefault(i => i.Key.EndsWith(Suffix, StringComparison.Ordinal) || i.Key.EndsWith(Int8Suffix, StringComparison.Ordinal))
                .Value is [> 0 and <= int.MaxValue and var named, ..] ? (int)named : null;
            return rows ?? RowsByStructure(outline);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The rows of a table found by what it does rather than its name, which an exporter need not keep (torch names a
    /// tensor it traced <c>onnx::Gather_123</c>): a 2-D constant that a <c>Gather</c> reads at indices no token input
    /// feeds, but only the sequence's length (<c>Shape</c>), as position ids are (a <c>Range</c>, or a slice of a
    /// constant buffer). The word and token-type lookups read <c>input_ids</c> and <c>token_type_ids</c>. A model whose
    /// token types are a constant buffer too has two such tables, and the positions' is the larger (BERT: 512 rows, 2).
    /// </summary>
    private static int? RowsByStructure(GraphOutline outline)
    {
        var producers = outline.Producers();
        var tokenInputs = outline.Inputs.Where(input => !outline.Initializers.ContainsKey(input)).ToHashSet(StringComparer.Ordinal);
        long? rows = null;
        foreach (var gather in outline.Nodes.Where(n => n.OpType == "Gather" && n.Inputs.Count >= 2))
            if (outline.ConstantDims(gather.Inputs[0], producers) is [> 0 and var tableRows, _] && !ReadsTokens(gather.Inputs[1], producers, tokenInputs))
                rows = Math.Max(rows ?? 0, tableRows);
        return rows is <= int.MaxValue ? (int?)rows : null;
    }

    /// <summary>Whether <paramref name="value"/> depends on a token input's values (not only its shape), walked back iteratively.</summary>
    private static bool ReadsTokens(string value, Dictionary<string, GraphOutline.Node> producers, HashSet<string> tokenInputs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([value]);
        while (pending.TryPop(out var next))
        {
            if (next.Length == 0 || !seen.Add(next)) continue;
            if (tokenInputs.Contains(next)) return true;
            if (!producers.TryGetValue(next, out var node) || node.OpType == "Shape") continue;
            foreach (var input in node.Inputs) pending.Push(input);
        }
        return false;
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
}
