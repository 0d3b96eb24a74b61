using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// Cuts a teacher classifier's graph down to a base encoder with fewer layers: the graph ends at
/// <c>last_hidden_state</c> again (and <c>pooler_output</c> when the teacher's head reads the pooler), the layers that
/// are not kept are bypassed and dropped, and the kept layers' parameters are renumbered <c>encoder.layer.0…N−1</c>.
/// The result carries the teacher's trained weights and is a base model the training-graph builder takes as is.
/// </summary>
public static class StudentEncoder
{
    /// <summary>
    /// Rewrites <paramref name="model"/> (an OrtAgent classifier export, loaded fresh: it is edited in place) into the
    /// student encoder keeping teacher layers <paramref name="keep"/> (ascending).
    /// </summary>
    /// <param name="model">The teacher's <c>model.onnx</c>.</param>
    /// <param name="keep">Teacher layer indexes to keep; student layer <c>j</c> is teacher layer <c>keep[j]</c>.</param>
    /// <param name="pooler">The teacher's pooler output value in <paramref name="model"/>, to keep as <c>pooler_output</c>; null when the head does not read it.</param>
    /// <exception cref="UserInputException">The graph's layers cannot be found.</exception>
    public static OnnxModel Build(OnnxModel model, IReadOnlyList<int> keep, Value? pooler)
        => BuildKeeping(model, keep, pooler);

    /// <summary>The number of encoder layers (<c>encoder.layer.N.*</c>) in a classifier export's graph, or null when none are found.</summary>
    public static int? LayerCount(Graph graph) => EncoderLayers.Find(graph)?.Count;

    /// <summary>
    /// The encoder of a classifier export (a distilled student, loaded fresh: it is edited in place) with every one of its
    /// layers, as a base model for further training from it: its head's pooler output kept when the head reads it.
    /// </summary>
    /// <exception cref="UserInputException">The graph's layers or head cannot be found.</exception>
    public static OnnxModel OwnEncoder(OnnxModel model)
    {
        var head = Heads.ExportedHead.Find(model.Graph, out var whyNot) ?? throw new UserInputException($"the graph '{model.Graph.Name}': {whyNot}");
        int layers = LayerCount(model.Graph) ?? throw new UserInputException($"the graph '{model.Graph.Name}' has no encoder layers named encoder.layer.N.*");
        return BuildKeeping(model, Enumerable.Range(0, layers).ToList(), head.PoolerOutput);
    }

    /// <summary>
    /// Writes <paramref name="encoder"/> with <paramref name="vocabulary"/> (a <c>vocab.txt</c>'s bytes) as a base encoder
    /// at <paramref name="directory"/> (a run's <c>student-encoder/</c>), replacing whatever was there: an earlier run's
    /// encoder, or the temporaries of a write a kill cut short, which nothing else would remove.
    /// </summary>
    internal static void WriteBase(OnnxModel encoder, byte[] vocabulary, string directory) =>
        WriteBase(directory, vocabulary, modelPath => encoder.Save(modelPath));

    /// <summary>
    /// As <see cref="WriteBase(OnnxModel, byte[], string)"/>, of an encoder held serialized (<see cref="OnnxModel.ToBytes"/>,
    /// as <see cref="Artifacts.DerivedEncoder"/> holds it): its bytes are written as they are, not parsed again to be saved.
    /// </summary>
    internal static void WriteBase(byte[] encoder, byte[] vocabulary, string directory) =>
        WriteBase(directory, vocabulary, modelPath => AtomicFile.Write(modelPath, stream => stream.Write(encoder)));

    private static void WriteBase(string directory, byte[] vocabulary, Action<string> writeModel)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        writeModel(Path.Combine(directory, ModelContract.ModelFile));
        File.WriteAllBytes(Path.Combine(directory, ModelContract.VocabularyFile), vocabulary);
    }

    private static OnnxModel BuildKeeping(OnnxModel model, IReadOnlyList<int> keep, Value? pooler)
    {
        var g = model.Graph;
        var layers = EncoderLayers.Find(g) ?? throw new UserInputException(
            $"the teacher graph '{g.Name}' has no encoder layers named encoder.layer.N.* ending in output.LayerNorm; it cannot be cut into a student");
        if (!g.ValuesByName().TryGetValue(ModelContract.LastHiddenState, out var hidden))
            throw new UserInputException($"the teacher graph '{g.Name}' has no '{ModelContract.LastHiddenState}' value between its encoder and its head");

        var previous = layers.EmbeddingsOutput;
        foreach (int k in keep)
        {
            var input = k == 0 ? layers.EmbeddingsOutput : layers.LayerOutputs[k - 1];
            if (input != previous) g.ReplaceAllUses(input, previous);
            previous = layers.LayerOutputs[k];
        }
        var teacherLast = layers.LayerOutputs[^1];
        g.Outputs.Clear();
        Value output;
        if (hidden == teacherLast)
        {
            output = previous;
        }
        else
        {
            // last_hidden_state follows the last layer (an Identity, say): let it follow the last kept layer instead.
            g.ReplaceAllUses(teacherLast, previous);
            output = hidden;
        }
        g.AddOutput(output);
        if (pooler is not null) g.AddOutput(pooler);
        g.RemoveUnused();
        if (output.Name != ModelContract.LastHiddenState) g.RenameValue(output, ModelContract.LastHiddenState);
        if (pooler is not null && pooler.Name != "pooler_output") g.RenameValue(pooler, "pooler_output");
        Renumber(g, layers, keep);

        int hiddenSize = layers.HiddenSize;
        output.Type = ElementType.Float;
        output.Shape = [Dim.Symbolic("batch"), Dim.Symbolic("sequence"), Dim.Known(hiddenSize)];
        if (pooler is not null)
        {
            pooler.Type = ElementType.Float;
            pooler.Shape = [Dim.Symbolic("batch"), Dim.Known(hiddenSize)];
        }
        g.Name = "student_encoder";
        model.Metadata.Clear(); // a base encoder, not a classifier: no labels or metrics of the teacher
        model.DocString = $"OrtAgent student encoder: teacher layers {string.Join(", ", keep)}";
        return model;
    }

    /// <summary>Teacher layer <c>keep[j]</c> becomes student layer <c>j</c>; ascending order never collides with a name still in use.</summary>
    private static void Renumber(Graph g, EncoderLayers layers, IReadOnlyList<int> keep)
    {
        for (int j = 0; j < keep.Count; j++)
        {
            if (keep[j] == j) continue;
            string from = layers.LayerPrefix(keep[j]), to = layers.LayerPrefix(j);
            foreach (var initializer in g.Initializers.Where(v => v.Name.StartsWith(from, StringComparison.Ordinal)).ToList())
                g.RenameValue(initializer, to + initializer.Name[from.Length..]);
        }
    }
}
