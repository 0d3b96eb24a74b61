using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// Runs <c>explain.onnx</c>: one row per path point of one text. Shares nothing mutable, so concurrent callers may use
/// one instance. Owns its <see cref="InferenceSession"/>.
/// </summary>
internal sealed class IntegratedGradientsSession : IDisposable
{
    private static readonly string[] OutputNames = [ExplainGraphNames.Logits, ExplainGraphNames.GradientTimesDelta];
    private readonly InferenceSession _session;
    private readonly bool _hasTokenTypeIds;

    private IntegratedGradientsSession(InferenceSession session)
    {
        _session = session;
        _hasTokenTypeIds = session.InputMetadata.ContainsKey(ExplainGraphNames.TokenTypeIds);
    }

    /// <exception cref="ExplainGraphUnavailableException">
    /// No <c>explain.onnx</c> in <paramref name="directory"/>, it is not one, or it scores another number of labels than
    /// the model's <paramref name="labels"/> (an <c>explain.onnx</c> left beside a model exported again).
    /// </exception>
    /// <exception cref="ModelLoadException">ONNX Runtime cannot load the file.</exception>
    public static IntegratedGradientsSession Open(string directory, OrtSessionSettings settings, int labels, ModelWeights? weights)
    {
        var path = Path.Combine(directory, ModelContract.ExplainModelFile);
        if (!File.Exists(path))
            // The graph is built from model.onnx's fp32 weights, which an int8 model no longer has.
            throw weights == ModelWeights.Int8
                ? new ExplainGraphUnavailableException(directory, $"{directory}: no {ModelContract.ExplainModelFile}, and {ExplainGraphNames.Int8NeedsFloat32}",
                    ExplainGraphRemedy.ExportAgainFromCheckpoint)
                : new ExplainGraphUnavailableException(directory, $"{directory}: no {ModelContract.ExplainModelFile} (models exported before explanations lack it)",
                    ExplainGraphRemedy.Add);
        using var sessionOptions = settings.CreateSessionOptions();
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: ONNX Runtime cannot load it: {ex.Message.Split('\n')[0]}", ex);
        }
        foreach (var name in new[] { ExplainGraphNames.InputIds, ExplainGraphNames.AttentionMask, ExplainGraphNames.BaselineIds, ExplainGraphNames.Alpha, ExplainGraphNames.Target })
            if (!session.InputMetadata.ContainsKey(name))
            {
                session.Dispose();
                throw new ExplainGraphUnavailableException(directory, $"{path}: not an OrtAgent explain graph (no input '{name}')", ExplainGraphRemedy.Rebuild);
            }
        if (session.OutputMetadata.TryGetValue(ExplainGraphNames.Logits, out var logits) && logits.Dimensions is [.., var scored] && scored > 0 && scored != labels)
        {
            session.Dispose();
            throw new ExplainGraphUnavailableException(directory,
                $"{path}: scores {scored} labels but {ModelContract.ModelFile} has {labels}, so it explains another model", ExplainGraphRemedy.Rebuild);
        }
        return new IntegratedGradientsSession(session);
    }

    /// <summary>
    /// Evaluates the path points <paramref name="alphas"/> of one tokenized text toward label <paramref name="target"/>,
    /// from the baseline <paramref name="baselineTokens"/> to the text's <paramref name="tokens"/>. <paramref name="cancellationToken"/>
    /// stops the run where it is: one run is seconds of work for a real model.
    /// </summary>
    /// <returns>Logits <c>[points, labels]</c> and gradient·delta <c>[points, tokens]</c>, row-major.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the session stays usable.</exception>
    public (float[] Logits, float[] GradientTimesDelta) Run(int[] tokens, int[] baselineTokens, ReadOnlySpan<double> alphas, int target, CancellationToken cancellationToken)
    {
        int rows = alphas.Length, length = tokens.Length;
        var ids = new long[rows * length];
        var baseline = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < length; t++)
            {
                ids[r * length + t] = tokens[t];
                baseline[r * length + t] = baselineTokens[t];
                mask[r * length + t] = 1;
            }
        var alpha = new float[rows];
        for (int r = 0; r < rows; r++) alpha[r] = (float)alphas[r];
        var targets = new long[rows];
        Array.Fill(targets, target);
        long[] shape = [rows, length];

        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var baselineValue = OrtValue.CreateTensorValueFromMemory(baseline, shape);
        using var alphaValue = OrtValue.CreateTensorValueFromMemory(alpha, [rows]);
        using var targetValue = OrtValue.CreateTensorValueFromMemory(targets, [rows]);
        using var typesValue = _hasTokenTypeIds ? OrtValue.CreateTensorValueFromMemory(new long[rows * length], shape) : null;
        var names = new List<string> { ExplainGraphNames.InputIds, ExplainGraphNames.AttentionMask, ExplainGraphNames.BaselineIds, ExplainGraphNames.Alpha, ExplainGraphNames.Target };
        var values = new List<OrtValue> { idsValue, maskValue, baselineValue, alphaValue, targetValue };
        if (typesValue is not null)
        {
            names.Add(ExplainGraphNames.TokenTypeIds);
            values.Add(typesValue);
        }
        using var runOptions = new RunOptions();
        // ONNX Runtime checks the flag between nodes and fails the run; these options serve this run alone, so the
        // session is untouched. Disposed first (declared last), the registration waits for a callback in progress.
        using var stop = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            using var outputs = _session.Run(runOptions, names, values, OutputNames);
            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the explanation was cancelled", ex, cancellationToken);
        }
    }

    public void Dispose() => _session.Dispose();
}
