using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>
/// How the head of an exported classifier reads its encoder: the pooling, and whether the pooled vector is scaled to
/// unit length first (a contrastively trained model's head was fitted on such embeddings). A run that starts from the
/// model's weights must read the encoder the same way, or the head's weights meet other inputs than they were trained on.
/// </summary>
/// <param name="Pooling">How the token states become one vector.</param>
/// <param name="NormalizeEmbeddings">Whether that vector is L2-normalised before the linear layer.</param>
/// <param name="PoolerOutput">The pooler's output value in the graph, for <see cref="PoolingMode.Pooler"/>; else null.</param>
public sealed record ExportedHead(PoolingMode Pooling, bool NormalizeEmbeddings, Value? PoolerOutput)
{
    /// <summary>
    /// Follows the input of <c>classifier.weight</c>'s MatMul back (through Dropout) to what made it, as
    /// <see cref="TaskHeadBuilder"/> spells it: an L2 normalisation is a Div by the Max of a Sqrt, a masked mean the Div of
    /// a ReduceSum, CLS pooling a Gather, pooler pooling a Tanh.
    /// </summary>
    /// <returns>The head, or null with <paramref name="whyNot"/> saying what was not found.</returns>
    public static ExportedHead? Find(Graph g, out string whyNot)
    {
        var matMul = g.Nodes.FirstOrDefault(n => n.OpType == "MatMul" && n.Input(1)?.Name == ClassifierHead.WeightName);
        if (matMul is null)
        {
            whyNot = $"no MatMul reads {ClassifierHead.WeightName}";
            return null;
        }
        var pooled = matMul.Input(0)!;
        while (pooled.Producer is { OpType: "Dropout" or "Identity" } pass) pooled = pass.Input(0)!;
        bool normalized = false;
        if (pooled.Producer is { OpType: "Div" } div && div.Input(1)?.Producer is { OpType: "Max" } max && max.Input(0)?.Producer?.OpType == "Sqrt")
        {
            normalized = true;
            pooled = div.Input(0)!;
        }
        whyNot = "";
        switch (pooled.Producer)
        {
            case { OpType: "Gather" }: return new(PoolingMode.Cls, normalized, null);
            case { OpType: "Tanh" }: return new(PoolingMode.Pooler, normalized, pooled);
            case { OpType: "Div" } mean when mean.Input(0)?.Producer?.OpType == "ReduceSum": return new(PoolingMode.Mean, normalized, null);
            default:
                whyNot = "its head's pooling is not one OrtAgent builds (mean, cls or pooler)";
                return null;
        }
    }
}
