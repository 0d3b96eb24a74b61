using OrtAgent.Onnx;

namespace OrtAgent.Training.Losses;

/// <summary>
/// Knowledge distillation (Hinton et al., 2015): <c>α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, labels)</c>
/// for student logits <c>s</c>, teacher logits <c>t</c> (a graph input, <see cref="TeacherLogitsInputName"/>),
/// temperature <c>T</c> and weight <c>α</c>. Both terms are means over the batch: the KL divergence is summed over the
/// classes of a row (PyTorch's <c>KLDivLoss(reduction="batchmean")</c>), the cross-entropy is PyTorch's
/// <c>F.cross_entropy</c> without weights.
/// </summary>
/// <remarks>
/// Spelled in ops with gradient rules: LogSoftmax, Exp, Sub, Mul, ReduceSum, ReduceMean. The teacher side depends on
/// a graph input only, so the gradient builder never walks it. The T² factor keeps the soft term's gradient on the
/// scale of the hard term's as T grows (its gradient shrinks as 1/T²). A term whose weight is 0 is left out of the
/// graph, so α = 0 is exactly cross-entropy and α = 1 exactly the distillation term.
/// </remarks>
public static class DistillationLoss
{
    /// <summary>The float graph input <c>[batch, numLabels]</c> carrying the teacher's logits for the batch.</summary>
    public const string TeacherLogitsInputName = "teacher_logits";

    /// <summary>Adds the <see cref="TeacherLogitsInputName"/> input.</summary>
    public static Value AddTeacherLogitsInput(Graph graph, int numLabels, string batchDim = "batch") =>
        graph.AddInput(TeacherLogitsInputName, ElementType.Float, [Dim.Symbolic(batchDim), Dim.Known(numLabels)]);

    /// <param name="graph">The graph to append to.</param>
    /// <param name="logits">Student logits <c>[batch, numLabels]</c>.</param>
    /// <param name="teacherLogits">Teacher logits of the same shape and type; not read (and may be null) when α is 0.</param>
    /// <param name="labels">Int64 class indices <c>[batch]</c>.</param>
    /// <param name="numLabels">The number of classes.</param>
    /// <param name="temperature">T &gt; 0.</param>
    /// <param name="alpha">α in [0, 1], the weight of the distillation term.</param>
    /// <returns>The scalar loss.</returns>
    public static Value Append(Graph graph, Value logits, Value? teacherLogits, Value labels, int numLabels, float temperature, float alpha)
    {
        var terms = new List<Value>();
        if (alpha > 0f)
        {
            ArgumentNullException.ThrowIfNull(teacherLogits);
            var inverseT = graph.ScalarLike(logits, 1.0 / temperature);
            var teacherLog = graph.LogSoftmax(graph.Mul(teacherLogits, inverseT), axis: -1);
            var studentLog = graph.LogSoftmax(graph.Mul(logits, inverseT), axis: -1);
            // Σ_c p_t·(log p_t − log p_s) per row; rows where the teacher gives a class zero probability contribute 0·(finite) there.
            var perRow = graph.ReduceSum(graph.Mul(graph.Exp(teacherLog), graph.Sub(teacherLog, studentLog)), [1], keepDims: false);
            var kl = graph.ReduceMean(perRow, [0], keepDims: false);
            terms.Add(graph.Mul(kl, graph.ScalarLike(logits, (double)alpha * temperature * temperature)));
        }
        if (alpha < 1f)
        {
            var type = logits.Type == ElementType.Undefined ? ElementType.Float : logits.Type;
            var classIndices = graph.Constant(TensorData.Vector(Enumerable.Range(0, numLabels).Select(i => (long)i).ToArray()), "class_indices");
            var oneHot = graph.Cast(graph.Equal(graph.Unsqueeze(labels, 1), classIndices), type);
            var nll = graph.ReduceSum(graph.Mul(graph.LogSoftmax(logits, axis: -1), oneHot), [1], keepDims: false);
            var ce = graph.Neg(graph.ReduceMean(nll, [0], keepDims: false));
            terms.Add(graph.Mul(ce, graph.ScalarLike(logits, 1.0 - alpha)));
        }
        var loss = terms.Count == 1 ? terms[0] : graph.Add(terms[0], terms[1]);
        return LossBuilder.AsScalarLoss(loss, logits.Type == ElementType.Undefined ? ElementType.Float : logits.Type);
    }
}
