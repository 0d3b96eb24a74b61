using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// Runs the teacher's <c>model.onnx</c> once over a tokenized data set and keeps its logits, in example order, for the
/// student to learn from at every epoch without running the teacher again. The student shares the teacher's vocabulary,
/// casing and length, so the token ids the student trains on are exactly what the teacher reads.
/// </summary>
public static class TeacherLogits
{
    private const int BatchSize = 32;

    /// <summary>
    /// The teacher run over a distillation's two sets on one session (it was loaded once for each): its logits for the
    /// training examples, which the loss reads (null when <paramref name="training"/> is: α = 0 reads none), and its
    /// report on the validation examples.
    /// </summary>
    public static (float[]? Training, ClassificationReport Validation) Run(TeacherModel teacher, OrtSessionSettings settings, TokenizedDataset? training,
        TokenizedDataset validation, IReadOnlyList<string> labels, int padId, CancellationToken cancellationToken = default)
    {
        using var session = OpenSession(teacher, settings);
        var trainingLogits = training is null ? null : Compute(session, teacher, training, padId, cancellationToken);
        return (trainingLogits, Score(labels, validation, Compute(session, teacher, validation, padId, cancellationToken)));
    }

    /// <summary>The teacher's logits for every example of <paramref name="data"/>, <c>[Count, labels]</c> row-major.</summary>
    /// <param name="teacher">The teacher.</param>
    /// <param name="settings">Device and threads for the teacher's session.</param>
    /// <param name="data">Token ids from the teacher's vocabulary.</param>
    /// <param name="padId">The vocabulary's [PAD] id.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static float[] Compute(TeacherModel teacher, OrtSessionSettings settings, TokenizedDataset data, int padId,
        CancellationToken cancellationToken = default)
    {
        if (data.Count == 0) return [];
        using var session = OpenSession(teacher, settings);
        return Compute(session, teacher, data, padId, cancellationToken);
    }

    /// <summary>
    /// The teacher's session, on private copies of its external data files (<see cref="ExternalDataCopy"/>): it runs
    /// over every example, minutes for a large set, and ONNX Runtime maps those files, so the teacher's folder written
    /// over in place (a re-export to it) changed the logits mid-run, and a truncation killed the run with SIGBUS.
    /// </summary>
    /// <exception cref="ModelLoadException">The external data files cannot be copied, or one is not a regular file.</exception>
    internal static InferenceSession OpenSession(TeacherModel teacher, OrtSessionSettings settings)
    {
        // Made for this session and disposed with the call: ExternalDataCopy adds its folder to them.
        using var options = settings.CreateSessionOptions();
        return ExternalDataCopy.CreateSession(teacher.ModelPath, options);
    }

    private static float[] Compute(InferenceSession session, TeacherModel teacher, TokenizedDataset data, int padId, CancellationToken cancellationToken)
    {
        if (data.Count == 0) return [];
        int width = teacher.Info.Labels.Count;
        var logits = new float[data.Count * width];
        DatasetInference.Run(session, data, padId, BatchSize, ModelContract.Logits, width,
            (example, row) => row.CopyTo(logits.AsSpan(example * width, width)), cancellationToken);
        return logits;
    }

    /// <summary>How the teacher's logits score against the labels of <paramref name="data"/> (accuracy, macro-F1, per class).</summary>
    public static ClassificationReport Score(IReadOnlyList<string> labels, TokenizedDataset data, float[] logits)
    {
        var builder = new ClassificationReportBuilder(labels);
        var truth = Enumerable.Range(0, data.Count).Select(data.Label).ToArray();
        builder.AddBatch(truth, logits);
        return builder.Build();
    }
}
