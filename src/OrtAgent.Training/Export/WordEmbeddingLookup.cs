using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Export;

/// <summary>
/// The Gather that reads a classifier's word-embedding table at <c>input_ids</c>: the explain graph replaces it, and
/// the export records its table's rows (<see cref="ClassifierModelInfo.VocabularySize"/>).
/// </summary>
internal static class WordEmbeddingLookup
{
    /// <summary>The lookup of <paramref name="inputIds"/> (through any Cast or Identity the exporter put between).</summary>
    /// <exception cref="UserInputException">No lookup reads <paramref name="inputIds"/>, or several do and none is named <c>*word_embeddings.weight</c>.</exception>
    public static Node Find(Graph g, Value inputIds)
    {
        var fromIds = new HashSet<Value> { inputIds };
        foreach (var node in g.Nodes)
            if (node.OpType is "Cast" or "Identity" && node.Inputs[0] is { } source && fromIds.Contains(source))
                fromIds.Add(node.Outputs[0]);
        var lookups = g.Nodes
            .Where(n => n.OpType == "Gather" && n.IntAttribute("axis", 0) == 0 && n.Inputs[0] is { } table
                && (table.Initializer is { Rank: 2 } || g.Inputs.Contains(table) && table.Rank == 2)
                && n.Inputs[1] is { } indices && fromIds.Contains(indices))
            .ToList();
        return lookups.FirstOrDefault(n => n.Inputs[0]!.Name.EndsWith("word_embeddings.weight", StringComparison.Ordinal))
            ?? (lookups.Count == 1 ? lookups[0] : throw new UserInputException(
                $"the model has {lookups.Count} embedding lookups of '{inputIds.Name}' and none is named '*word_embeddings.weight'"));
    }

    /// <summary>
    /// The rows of the table that <paramref name="g"/>'s <c>input_ids</c> index, or null when the graph has no such
    /// input, no single lookup of it, or a table whose rows are not known.
    /// </summary>
    public static int? TableRows(Graph g)
    {
        if (g.Inputs.FirstOrDefault(i => i.Name == ModelContract.InputIds) is not { } inputIds) return null;
        try
        {
            var table = Find(g, inputIds).Inputs[0]!;
            if (table.Initializer is { } weights) return checked((int)weights.Dims[0]);
            return table.Shape is { Count: 2 } shape && shape[0].Value is long rows ? checked((int)rows) : null;
        }
        catch (UserInputException)
        {
            return null;
        }
    }
}
