using Microsoft.ML.OnnxRuntime;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// Runs <c>explain.onnx</c>: one row per path point of one text. Shares nothing mutable, so concurrent callers may use
/// one instance. Owns its <see cref="InferenceSession"/>.
/// </summary>
/// <remarks>
/// An <c>explain.onnx</c> built from a fixed-shape <c>model.onnx</c> keeps its <c>input_ids</c> shape and refuses every
/// other, as the classifier does: the text is padded (masked out) to the fixed length, and the points run in runs of
/// the fixed batch size, the last filled up with points whose results are dropped.
/// </remarks>
internal sealed class IntegratedGradientsSession : IDisposable
{
    private static readonly string[] OutputNames = [ExplainGraphNames.Logits, ExplainGraphNames.GradientTimesDelta];
    private readonly InferenceSession _session;
    private readonly bool _hasTokenTypeIds;
    private readonly FixedInputShape _fixedShape;
    private readonly int _paddingTokenId;

    private IntegratedGradientsSession(InferenceSession session, FixedInputShape fixedShape, int paddingTokenId)
    {
        _session = session;
        _hasTokenTypeIds = session.InputMetadata.ContainsKey(ExplainGraphNames.TokenTypeIds);
        _fixedShape = fixedShape;
        _paddingTokenId = paddingTokenId;
    }

    /// <summary>
    /// The list of files an export wrote into the model directory, <c>{"written_by": "OrtAgent", "files": [...]}</c>:
    /// named here, where explanations read it, for OrtAgent.Training's <c>WrittenFilesManifest</c>, which writes it.
    /// </summary>
    internal const string WrittenFilesManifestFile = ".ortagent-files.json";

    /// <summary>The phrase <see cref="WhyNoGraph"/> names an export without the graph by, which a host may say its own way.</summary>
    internal const string ExportedWithoutGraph = "the model was exported without explanations, ExportOptions.WriteExplainGraph = false";

    /// <summary>
    /// Why a float32 model in <paramref name="directory"/> has no <c>explain.onnx</c>: a model OrtAgent did not export
    /// (<paramref name="exportedByOrtAgent"/> false: trained in Python, served as-is) never had one; else from the list
    /// of files its export wrote, which exports have kept since just after explanations came: none, an export from
    /// before them; one without the graph, an export that left it out; one with it, the file was removed since.
    /// </summary>
    private static string WhyNoGraph(string directory, bool exportedByOrtAgent)
    {
        if (!exportedByOrtAgent) return NotAnOrtAgentExport;
        var path = Path.Combine(directory, WrittenFilesManifestFile);
        try
        {
            if (!File.Exists(path)) return ExportedBeforeTheList;
            // Through the model folder's one check: a named pipe here held the explanation, waiting for a writer.
            using var manifest = System.Text.Json.JsonDocument.Parse(ModelFolderFile.ReadAllBytes(path));
            if (manifest.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && manifest.RootElement.TryGetProperty("files", out var files) && files.ValueKind == System.Text.Json.JsonValueKind.Array)
                return files.EnumerateArray().Any(f => f.ValueKind == System.Text.Json.JsonValueKind.String && f.GetString() == ModelContract.ExplainModelFile)
                    ? "it was removed after the model was exported"
                    : ExportedWithoutGraph;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or ModelLoadException)
        {
            // An unreadable list, or one that is no file, proves nothing: said as for a model without one.
        }
        return ExportedBeforeTheList;
    }

    private const string ExportedBeforeTheList = "models exported before explanations lack it";

    // Said of a model without OrtAgent's metadata, where "exported before explanations" named an export that never was.
    private const string NotAnOrtAgentExport = "the model was not exported by OrtAgent, and only OrtAgent's exports write it";

    /// <exception cref="ExplainGraphUnavailableException">
    /// No <c>explain.onnx</c> in <paramref name="directory"/>, ONNX Runtime cannot parse it (cut short, not ONNX), it is
    /// not an explain graph, or it scores another number of labels than the model's <paramref name="labels"/> (an
    /// <c>explain.onnx</c> left beside a model exported again), or its inputs fix a sequence length shorter than
    /// <paramref name="maxLength"/>. Whether it was built beside this <c>model.onnx</c> is the caller's to compare
    /// (<see cref="RecordedModelDigest"/>).
    /// </exception>
    /// <exception cref="ModelLoadException">ONNX Runtime cannot load the file for another reason than its bytes (out of memory, an operator or device it lacks).</exception>
    /// <param name="directory">The model directory.</param>
    /// <param name="settings">The classifier's session settings.</param>
    /// <param name="labels">The model's label count.</param>
    /// <param name="weights">How the model's weights are stored, which picks the remedy of a missing or unusable graph (<see cref="RebuildRemedy"/>): an int8 model's is exported again from its checkpoint.</param>
    /// <param name="maxLength">The longest token sequence the classifier's encoder gives, which the graph must take.</param>
    /// <param name="paddingTokenId">The id a text is padded with to a sequence length the graph fixes.</param>
    /// <param name="exportedByOrtAgent">Whether <c>model.onnx</c> carries OrtAgent's metadata, which says why a missing graph is missing.</param>
    /// <param name="graph">The bytes of the directory's <c>explain.onnx</c> as read from a <see cref="PinnedExplainGraph"/>, or null to read it by path.</param>
    /// <param name="graphData">The external data files of <paramref name="graph"/> as that pin holds them open (<see cref="PinnedExplainGraph.ExternalData"/>); none when null.</param>
    public static IntegratedGradientsSession Open(string directory, OrtSessionSettings settings, int labels, ModelWeights? weights, int maxLength, int paddingTokenId,
        bool exportedByOrtAgent = true, byte[]? graph = null, IReadOnlyList<(string Location, SafeFileHandle Source)>? graphData = null)
    {
        var path = Path.Combine(directory, ModelContract.ExplainModelFile);
        if (graph is null && !File.Exists(path))
            // The graph is built from model.onnx's fp32 weights, which an int8 model no longer has.
            throw weights == ModelWeights.Int8
                ? new ExplainGraphUnavailableException(directory, $"{directory}: no {ModelContract.ExplainModelFile}, and {ExplainGraphNames.Int8NeedsFloat32}",
                    ExplainGraphRemedy.ExportAgainFromCheckpoint)
                : new ExplainGraphUnavailableException(directory, $"{directory}: no {ModelContract.ExplainModelFile} ({WhyNoGraph(directory, exportedByOrtAgent)})",
                    ExplainGraphRemedy.Add);
        using var sessionOptions = settings.CreateSessionOptions();
        var rebuild = RebuildRemedy(weights);
        // Opened on the first explanation, not at load: a named pipe here held that request, waiting for a writer.
        if (graph is null && ModelFolderFile.Refusal(path) is { } refusal) throw new ExplainGraphUnavailableException(directory, refusal, rebuild);
        InferenceSession session;
        ExternalDataCopy.ExternalDataDigest? dataDigest;
        try
        {
            session = graph is null
                ? ExternalDataCopy.CreateSession(path, sessionOptions, out dataDigest)
                : ExternalDataCopy.CreateSession(graph, path, graphData ?? [], sessionOptions, out dataDigest);
        }
        catch (OnnxRuntimeException ex) when (!OutOfMemory.Is(ex) && ex.Message.Contains("InvalidProtobuf", StringComparison.Ordinal))
        {
            // A damaged file is the directory's problem, with the directory's remedy, not ONNX Runtime's parser's words.
            // Other failures (an operator this build lacks, a device error) are no sign that rebuilding would help.
            throw new ExplainGraphUnavailableException(directory, $"{path}: {ExplainGraphNames.NotAWholeModel}, so it cannot be read", rebuild, ex);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: ONNX Runtime cannot load it: {ex.Message.Split('\n')[0]}", ex);
        }
        foreach (var name in new[] { ExplainGraphNames.InputIds, ExplainGraphNames.AttentionMask, ExplainGraphNames.BaselineIds, ExplainGraphNames.Alpha, ExplainGraphNames.Target })
            if (!session.InputMetadata.ContainsKey(name))
            {
                session.Dispose();
                throw new ExplainGraphUnavailableException(directory, $"{path}: not an OrtAgent explain graph (no input '{name}')", rebuild);
            }
        if (OtherExternalData(session, path, dataDigest) is { } otherData)
        {
            session.Dispose();
            throw new ExplainGraphUnavailableException(directory, otherData, rebuild);
        }
        if (session.OutputMetadata.TryGetValue(ExplainGraphNames.Logits, out var logits) && logits.Dimensions is [.., var scored] && scored > 0 && scored != labels)
        {
            session.Dispose();
            throw new ExplainGraphUnavailableException(directory,
                $"{path}: scores {scored} labels but {ModelContract.ModelFile} has {labels}, so it explains another model", rebuild);
        }
        var fixedShape = FixedInputShape.Of(session);
        if (fixedShape.SequenceLength > 0 && fixedShape.SequenceLength < maxLength)
        {
            session.Dispose();
            throw new ExplainGraphUnavailableException(directory, $"{path}: its inputs fix a sequence length of {fixedShape.SequenceLength}, " +
                $"shorter than the {maxLength} tokens texts are cut to for {ModelContract.ModelFile}, so it cannot explain a text that long", rebuild);
        }
        return new IntegratedGradientsSession(session, fixedShape, paddingTokenId);
    }

    /// <summary>
    /// Why the external data files <paramref name="session"/> was opened with (<paramref name="data"/>) are not the ones
    /// its graph at <paramref name="path"/> was exported with (<see cref="ExplainGraphNames.ExternalDataDigestMetadata"/>),
    /// naming them; null when they are, or when there is nothing to compare: a graph that keeps its weights inline, or
    /// one without the record (exported before it existed, or given external data by hand), which is used as before.
    /// </summary>
    private static string? OtherExternalData(InferenceSession session, string path, ExternalDataCopy.ExternalDataDigest? data)
    {
        if (data is null || !session.ModelMetadata.CustomMetadataMap.TryGetValue(ExplainGraphNames.ExternalDataDigestMetadata, out var recorded)
            || string.Equals(recorded, data.Sha256, StringComparison.OrdinalIgnoreCase))
            return null;
        var files = string.Join(", ", data.Locations.Select(location => Path.Combine(Path.GetDirectoryName(path)!, location)));
        return $"{files}: holds other weights than {path} was exported with (SHA-256 {ModelDigest.Short(data.Sha256)}…, " +
            $"where {ModelContract.ExplainModelFile} records {ModelDigest.Short(recorded)}…), so it explains another model";
    }

    /// <summary>
    /// The SHA-256 of the <c>model.onnx</c> the graph was built beside (<see cref="ExplainGraphNames.ModelDigestMetadata"/>),
    /// or null for a graph exported before it was recorded.
    /// </summary>
    public string? RecordedModelDigest =>
        _session.ModelMetadata.CustomMetadataMap.TryGetValue(ExplainGraphNames.ModelDigestMetadata, out var digest) ? digest : null;

    /// <summary>
    /// How a directory replaces an <c>explain.onnx</c> that does not fit its model: rebuilt from <c>model.onnx</c>, or,
    /// for an int8 model that has no fp32 weights to build it from, exported again from the checkpoint.
    /// </summary>
    public static ExplainGraphRemedy RebuildRemedy(ModelWeights? weights) =>
        weights == ModelWeights.Int8 ? ExplainGraphRemedy.ExportAgainFromCheckpoint : ExplainGraphRemedy.Rebuild;

    /// <summary>
    /// Evaluates the path points <paramref name="alphas"/> of one tokenized text toward label <paramref name="target"/>,
    /// from the baseline <paramref name="baselineTokens"/> to the text's <paramref name="tokens"/>. <paramref name="cancellationToken"/>
    /// stops the run where it is: one run is seconds of work for a real model.
    /// </summary>
    /// <returns>Logits <c>[points, labels]</c> and gradient·delta <c>[points, tokens]</c>, row-major.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the session stays usable.</exception>
    public (float[] Logits, float[] GradientTimesDelta) Run(int[] tokens, int[] baselineTokens, ReadOnlySpan<double> alphas, int target, CancellationToken cancellationToken)
    {
        int length = Math.Max(tokens.Length, _fixedShape.SequenceLength);
        int perRun = _fixedShape.BatchSize > 0 ? _fixedShape.BatchSize : alphas.Length;
        if (perRun == alphas.Length && length == tokens.Length) return RunOnce(tokens, baselineTokens, alphas, perRun, length, target, cancellationToken);
        float[]? logits = null;
        var gradientTimesDelta = new float[alphas.Length * tokens.Length];
        for (int start = 0; start < alphas.Length; start += perRun)
        {
            int count = Math.Min(perRun, alphas.Length - start);
            var (runLogits, runGradientTimesDelta) = RunOnce(tokens, baselineTokens, alphas.Slice(start, count), perRun, length, target, cancellationToken);
            int labels = runLogits.Length / perRun;
            logits ??= new float[alphas.Length * labels];
            runLogits.AsSpan(0, count * labels).CopyTo(logits.AsSpan(start * labels));
            for (int row = 0; row < count; row++)
                runGradientTimesDelta.AsSpan(row * length, tokens.Length).CopyTo(gradientTimesDelta.AsSpan((start + row) * tokens.Length));
        }
        return (logits!, gradientTimesDelta);
    }

    /// <summary>
    /// One run of <paramref name="rows"/> rows of <paramref name="length"/> tokens: the points <paramref name="alphas"/>,
    /// then baseline points (alpha 0) up to <paramref name="rows"/>, the text padded and masked out after its tokens.
    /// </summary>
    private (float[] Logits, float[] GradientTimesDelta) RunOnce(int[] tokens, int[] baselineTokens, ReadOnlySpan<double> alphas, int rows, int length,
        int target, CancellationToken cancellationToken)
    {
        var ids = new long[rows * length];
        var baseline = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < length; t++)
            {
                bool isToken = t < tokens.Length;
                ids[r * length + t] = isToken ? tokens[t] : _paddingTokenId;
                baseline[r * length + t] = isToken ? baselineTokens[t] : _paddingTokenId;
                mask[r * length + t] = isToken ? 1 : 0;
            }
        var alpha = new float[rows];
        for (int r = 0; r < alphas.Length; r++) alpha[r] = (float)alphas[r];
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
