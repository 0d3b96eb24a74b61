using Microsoft.ML.OnnxRuntime;
using Microsoft.Win32.SafeHandles;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Runtime;

public sealed partial class TextClassifier
{
    private IntegratedGradientsSession? _explainSession;
    // SHA-256 of the loaded model.onnx (and its external data), hashed when an explain.onnx that records one is first opened.
    private string? _loadedModelDigest;
    // explain.onnx as CheckExplainer found it belonging to the loaded model, held open until the first explanation opens a
    // session on it: by then the folder may hold another model, renamed into place before a reload.
    private PinnedExplainGraph? _checkedGraph;

    // One explanation at a time per classifier: each holds the activations of up to MaxPointsPerRun copies of its text
    // (about 1 GB for a 128-token text with minilm), and ONNX Runtime's arena keeps the peak. Concurrent callers
    // therefore wait here rather than multiply that; the whole machine's threads serve the one running anyway.
    private readonly SemaphoreSlim _explaining = new(1, 1);

    /// <summary>Whether the model directory holds <c>explain.onnx</c>, which <see cref="Explain"/> needs.</summary>
    public bool CanExplain => _explainSession is not null || Volatile.Read(ref _checkedGraph) is not null || File.Exists(Path.Combine(Directory, ModelContract.ExplainModelFile));

    /// <summary>
    /// Explains the classifier's logit for one label of <paramref name="text"/> with integrated gradients over the word
    /// embeddings: the gradient of the logit is integrated along the straight line from the baseline's word embeddings
    /// to the text's (Gauss–Legendre points, all of a text's points batched into one run), multiplied by the embedding
    /// difference, and the per-token results are summed back to the words of the original text.
    /// </summary>
    /// <param name="text">The text to explain; it is tokenized and truncated as <see cref="Predict"/> does.</param>
    /// <param name="options">Steps, baseline and label; defaults (32 steps, [PAD], the predicted label) when null.</param>
    /// <param name="cancellationToken">Checked while waiting for another explanation on this classifier to end; a run of path points in progress stops where it is.</param>
    /// <returns>Per-word attributions, the logits at both ends of the path and the completeness gap.</returns>
    /// <exception cref="ExplainGraphUnavailableException">The model directory has no usable <c>explain.onnx</c> (none, a
    /// damaged one, one that is not an explain graph, or one built beside another <c>model.onnx</c>); the message says how to add or rebuild it.</exception>
    /// <exception cref="ModelReplacedException">The model in the directory was replaced or removed since this classifier loaded it, or cannot be read now to tell.</exception>
    /// <exception cref="ModelLoadException"><c>model.onnx</c> cannot be read to check that <c>explain.onnx</c> belongs to it, or ONNX Runtime ran out of memory (or failed otherwise than on a damaged file) opening <c>explain.onnx</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> holds half a surrogate pair, which is not text.</exception>
    /// <exception cref="UserInputException"><paramref name="text"/> makes no WordPiece token, as <see cref="Predict"/> refuses.</exception>
    /// <exception cref="InvalidOptionException">An option is out of range, or <see cref="ExplainOptions.Label"/> is not one of
    /// the model's labels; <see cref="InvalidOptionException.Option"/> names its <see cref="ExplainOptions"/> property.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public TextExplanation Explain(string text, ExplainOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequireText(text, nameof(text));
        using var lease = Use();
        // Before waiting for other explanations or opening explain.onnx: the text is the caller's mistake either way.
        RequireTokens(text, nameof(text));
        options ??= new ExplainOptions();
        options.Validate();
        _explaining.Wait(cancellationToken);
        try
        {
            return ExplainOne(text, options, cancellationToken);
        }
        finally
        {
            _explaining.Release();
        }
    }

    private TextExplanation ExplainOne(string text, ExplainOptions options, CancellationToken cancellationToken)
    {
        int? requested = null;
        if (options.Label is { } label)
        {
            int index = Labels.ToList().IndexOf(label);
            if (index < 0) throw ExplainOptions.UnknownLabel(label, Labels);
            requested = index;
        }
        var session = ExplainSession();
        var alignment = WordPieceAlignment.Align(_encoder, text);
        var tokens = alignment.TokenIds;
        int baselineToken = options.Baseline == ExplainBaseline.Mask ? _encoder.MaskTokenId : _encoder.PaddingTokenId;
        var baselineTokens = tokens.Select((id, t) => alignment.WordOfToken[t] < 0 ? id : baselineToken).ToArray();

        // The ends of the path first: they give the prediction (and so the target) and both logits of the gap.
        int labels = Labels.Count;
        var (endLogits, _) = session.Run(tokens, baselineTokens, [1.0, 0.0], requested ?? 0, cancellationToken);
        // A graph whose output states no label count is checked here, on what it returns.
        if (endLogits.Length != 2 * labels)
            throw new ExplainGraphUnavailableException(Directory, $"{Path.Combine(Directory, ModelContract.ExplainModelFile)}: scores {endLogits.Length / 2} labels " +
                $"but {ModelContract.ModelFile} has {labels}, so it explains another model", IntegratedGradientsSession.RebuildRemedy(Info.Weights));
        int predicted = ArgMax(endLogits.AsSpan(0, labels));
        int target = requested ?? predicted;

        var (alphas, weights) = GaussLegendreRule.On01(options.Steps);
        options.Progress?.Report(0);
        var tokenAttributions = new double[tokens.Length];
        for (int start = 0; start < alphas.Length; start += options.MaxPointsPerRun)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(options.MaxPointsPerRun, alphas.Length - start);
            var (_, gradientTimesDelta) = session.Run(tokens, baselineTokens, alphas.AsSpan(start, count), target, cancellationToken);
            for (int row = 0; row < count; row++)
                for (int t = 0; t < tokens.Length; t++)
                    tokenAttributions[t] += weights[start + row] * gradientTimesDelta[row * tokens.Length + t];
            options.Progress?.Report(start + count);
        }

        var wordAttributions = new double[alignment.Words.Count];
        for (int t = 0; t < tokens.Length; t++)
            if (alignment.WordOfToken[t] is var w and >= 0) wordAttributions[w] += tokenAttributions[t];
        return new TextExplanation
        {
            Text = text,
            Label = Labels[target],
            LabelIndex = target,
            PredictedLabel = Labels[predicted],
            Words = alignment.Words.Select((span, w) => new WordAttribution(text.Substring(span.Start, span.Length), span.Start, span.Length, wordAttributions[w])).ToList(),
            InputLogit = endLogits[target],
            BaselineLogit = endLogits[labels + target],
            AttributionSum = tokenAttributions.Sum(),
            Probabilities = ProbabilitiesOf(endLogits.AsSpan(0, labels)),
            Steps = options.Steps,
            Baseline = options.Baseline,
            Truncated = alignment.Truncated,
            ExplainsFloat32OfInt8 = Info.Weights == ModelWeights.Int8,
        };
    }

    /// <summary>
    /// Explains each text as <see cref="Explain"/> does, in order.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is null (as <see cref="Explain"/> refuses a null
    /// text); for a text, the parameter is named <c>texts[i]</c>.</exception>
    /// <exception cref="ArgumentException">A text holds half a surrogate pair, which is not text; the parameter is named <c>texts[i]</c>.</exception>
    /// <exception cref="InvalidOptionException">An option is out of range, or <see cref="ExplainOptions.Label"/> is not one of
    /// the model's labels; <see cref="InvalidOptionException.Option"/> names its <see cref="ExplainOptions"/> property.</exception>
    /// <exception cref="ExplainGraphUnavailableException">The model directory has no usable <c>explain.onnx</c>, as for <see cref="Explain"/>.</exception>
    /// <exception cref="ModelReplacedException">The model in the directory was replaced or removed since this classifier loaded it, or cannot be read now to tell.</exception>
    /// <exception cref="ModelLoadException"><c>model.onnx</c> cannot be read to check that <c>explain.onnx</c> belongs to it, or ONNX Runtime ran out of memory (or failed otherwise than on a damaged file) opening <c>explain.onnx</c>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public IReadOnlyList<TextExplanation> ExplainBatch(IReadOnlyList<string> texts, ExplainOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        for (int i = 0; i < texts.Count; i++)
        {
            RequireText(texts[i], $"{nameof(texts)}[{i}]");
            // Refused before any is explained, and by its place here, not as Explain's "text".
            RequireTokens(texts[i], $"{nameof(texts)}[{i}]");
        }
        return texts.Select(t => Explain(t, options, cancellationToken)).ToList();
    }

    /// <summary>
    /// Loads <c>explain.onnx</c> once to check it, so that a server finds a damaged one when it loads the model rather
    /// than at its first explanation. The session is not kept: it holds the encoder's weights a second time, which a
    /// server that is never asked to explain should not carry; the first <see cref="Explain"/> opens it again, from the
    /// file checked here, which is kept open: a model renamed into the directory after this check (and not yet loaded)
    /// does not keep this classifier from explaining the model it loaded.
    /// </summary>
    /// <exception cref="ExplainGraphUnavailableException">The model directory has no usable <c>explain.onnx</c>, as for <see cref="Explain"/>.</exception>
    /// <exception cref="ModelReplacedException">The model in the directory was replaced or removed since this classifier loaded it,
    /// or cannot be read now to tell, as for <see cref="Explain"/>.</exception>
    /// <exception cref="ModelLoadException"><c>model.onnx</c> cannot be read to check that <c>explain.onnx</c> belongs to it, or ONNX Runtime ran out of memory (or failed otherwise than on a damaged file) opening <c>explain.onnx</c>.</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public void CheckExplainer()
    {
        using var lease = Use();
        if (Volatile.Read(ref _explainSession) is not null) return;
        // As Explain checks: a model replaced since this one loaded is said so, not compared with the loaded model's
        // digest (kept by an earlier check) as if its explain.onnx needed a rebuild.
        RequireLoadedModelInPlace(recordedDigest: null, confirmStatusChange: false);
        // Loading is the check, so the graph is not optimised: that is most of a session's start, and a server pays it
        // at every start and reload.
        // Read from the pinned file when there is one, so that the bytes checked are the ones the first explanation opens.
        var pinned = PinnedExplainGraph.TryOpen(Path.Combine(Directory, ModelContract.ExplainModelFile), out var graph);
        try
        {
            using var opened = OpenExplainSession(_sessionSettings with { OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL }, graph, pinned?.ExternalData);
            // Again, as Explain does: a replacement landing while the graph was read gave the new model's.
            RequireLoadedModelInPlace(opened.RecordedModelDigest);
            if (graph is not null) pinned = Interlocked.Exchange(ref _checkedGraph, pinned);
        }
        finally
        {
            pinned?.Dispose();
        }
    }

    /// <summary>The explain session, opened on first use; called only under <c>_explaining</c>, which makes the opening single.</summary>
    private IntegratedGradientsSession ExplainSession()
    {
        if (_explainSession is { } open) return open;
        if (OpenCheckedGraph() is { } checkedGraph) return checkedGraph;
        // Failures are not cached: adding explain.onnx later makes the next call succeed. A model replaced since it was
        // loaded is refused before its graph is read; one whose status alone changed is confirmed once the graph's
        // record of its model is at hand.
        RequireLoadedModelInPlace(recordedDigest: null, confirmStatusChange: false);
        var opened = OpenExplainSession(_sessionSettings);
        try
        {
            // Checked again: a replacement landing while the graph was read would have given the new model's.
            RequireLoadedModelInPlace(opened.RecordedModelDigest);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
        Volatile.Write(ref _explainSession, opened);
        return opened;
    }

    /// <summary>
    /// The session on the explain.onnx CheckExplainer found belonging to the loaded model, or null where there is none (not
    /// checked, or written over in place since, which the path's checks then judge). The folder is not looked at: the
    /// graph's record of its model was compared with the loaded model's digest at the check, and is again here (the
    /// digest kept from the check, not the folder's model.onnx).
    /// </summary>
    private IntegratedGradientsSession? OpenCheckedGraph()
    {
        if (Volatile.Read(ref _checkedGraph) is not { } pinned || pinned.ReadIfUnchanged() is not { } graph) return null;
        IntegratedGradientsSession opened;
        try
        {
            opened = OpenExplainSession(_sessionSettings, graph, pinned.ExternalData);
        }
        catch (ExplainGraphUnavailableException)
        {
            // Written over in place with another graph keeping size and write time: no longer the one checked, so the
            // folder is judged as without a pin (a replaced model is said so, not told to rebuild its graph).
            Interlocked.Exchange(ref _checkedGraph, null)?.Dispose();
            return null;
        }
        Volatile.Write(ref _explainSession, opened);
        Interlocked.Exchange(ref _checkedGraph, null)?.Dispose();
        return opened;
    }

    /// <summary>
    /// explain.onnx is opened by path on first use, so it must still sit beside the model.onnx this classifier loaded. A
    /// model exported into the directory since then (by a caller that has not loaded it again) would be explained with this model's
    /// labels and vocabulary, answering for another model; the same model gaining explain.onnx is fine, and so is the
    /// same model chmod'ed, chown'ed or linked (<see cref="ConfirmSameContent"/>).
    /// </summary>
    /// <param name="recordedDigest">The digest of its model that the <c>explain.onnx</c> opened records, if one is open and records it.</param>
    /// <param name="confirmStatusChange">False to let a model whose status alone changed pass while there is nothing yet to confirm it with, for a caller that checks again with the graph's record.</param>
    private void RequireLoadedModelInPlace(string? recordedDigest, bool confirmStatusChange = true)
    {
        if (Volatile.Read(ref _loadedStamp) is not { } loaded) return;
        var modelPath = Path.Combine(Directory, ModelContract.ModelFile);
        var now = ModelFileStamp.Of(modelPath);
        if (now is null && !File.Exists(modelPath))
            throw new ModelReplacedException(Directory, $"{Directory}: the model there was deleted or moved since this one was loaded " +
                $"(no {ModelContract.ModelFile} there now), so there is no {ModelContract.ExplainModelFile} of it to read", removed: true);
        // There but not stat'ed: not gone, so not "put it back"; whether it is still this model cannot be told.
        if (now is null)
            throw new ModelReplacedException(Directory, $"{Directory}: its {ModelContract.ModelFile} cannot be read now, so whether it was replaced since " +
                $"this one was loaded cannot be told, and its {ModelContract.ExplainModelFile} may belong to another model");
        if (now == loaded) return;
        // Without the loaded model's digest, only the graph's record can confirm the content, once it is open.
        if (now.IsSameFilesAs(loaded) && !confirmStatusChange && Volatile.Read(ref _loadedModelDigest) is null) return;
        if (!now.IsSameFilesAs(loaded) || !ConfirmSameContent(modelPath, recordedDigest))
            throw new ModelReplacedException(Directory, $"{Directory}: the model there was replaced since this one was loaded, so " +
                (File.Exists(Path.Combine(Directory, ModelContract.ExplainModelFile))
                    ? $"its {ModelContract.ExplainModelFile} belongs to the new model"
                    : $"this one's {ModelContract.ExplainModelFile} is gone with it (the new model has none)"));
        // The same bytes: later checks compare with the status it has now, not hash it again.
        Volatile.Write(ref _loadedStamp, now);
    }

    /// <summary>
    /// Whether <c>model.onnx</c>, whose files are the loaded ones with only their status changed (a chmod, a chown, a hard
    /// link, or a copy written over them in place with the old write time set back, as <c>cp -p</c> does), still holds the
    /// loaded bytes: its digest now against the loaded model's, taken before the change, or else against the one
    /// <c>explain.onnx</c> records, while that graph is still the very file that was there at load (a copy over it changes
    /// its stamp too). With neither, the change cannot be told from a copy, and the model is refused as replaced.
    /// </summary>
    /// <exception cref="ModelReplacedException">There is nothing to compare the content with.</exception>
    /// <exception cref="ModelLoadException">model.onnx cannot be read.</exception>
    private bool ConfirmSameContent(string modelPath, string? recordedDigest)
    {
        var reference = Volatile.Read(ref _loadedModelDigest)
            ?? (recordedDigest is not null && _loadedExplainStamp is { } explainAtLoad && ExplainGraphStamp(Directory) == explainAtLoad ? recordedDigest : null);
        if (reference is null)
            throw new ModelReplacedException(Directory, $"{Directory}: its {ModelContract.ModelFile} (or a weights file it names) changed status since this one was loaded (a chmod, chown or link, " +
                $"or a copy written over it that kept its write time), and with no record of its content from before, whether it is still this model " +
                $"cannot be told, so its {ModelContract.ExplainModelFile} may belong to another model");
        string digest;
        try
        {
            digest = ModelDigest.OfModel(modelPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{modelPath}: cannot be read to check that it is still the model loaded ({ex.Message})", ex);
        }
        if (!string.Equals(digest, reference, StringComparison.OrdinalIgnoreCase)) return false;
        Volatile.Write(ref _loadedModelDigest, digest);
        return true;
    }

    /// <summary>The stamp of the directory's <c>explain.onnx</c>, or null when there is none or it cannot be read.</summary>
    private static FileStamp? ExplainGraphStamp(string directory)
    {
        try
        {
            return FileStamp.Of(Path.Combine(directory, ModelContract.ExplainModelFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Opens <c>explain.onnx</c> with <paramref name="settings"/> and refuses one that records having been built beside
    /// other <c>model.onnx</c> bytes than the loaded model's: a model copied over another's <c>model.onnx</c> keeps the
    /// other's graph, with the same inputs and labels, and explanations would describe a model that is not predicting.
    /// </summary>
    /// <param name="settings">The session's settings.</param>
    /// <param name="graph">The graph's bytes as a <see cref="PinnedExplainGraph"/> read them, or null to read it by path.</param>
    /// <param name="graphData">That pin's external data files (<see cref="PinnedExplainGraph.ExternalData"/>), copied from its handles rather than by path.</param>
    private IntegratedGradientsSession OpenExplainSession(OrtSessionSettings settings, byte[]? graph = null, IReadOnlyList<(string Location, SafeFileHandle Source)>? graphData = null)
    {
        var session = IntegratedGradientsSession.Open(Directory, settings, Labels.Count, Info.Weights, _encoder.MaxLength, _encoder.PaddingTokenId,
            exportedByOrtAgent: ModelContract.HasOrtAgentMetadata(_session.ModelMetadata.CustomMetadataMap), graph, graphData);
        try
        {
            if (session.RecordedModelDigest is { } recorded && LoadedModelDigest(recorded) is var loaded && !string.Equals(recorded, loaded, StringComparison.OrdinalIgnoreCase))
                throw new ExplainGraphUnavailableException(Directory, $"{Path.Combine(Directory, ModelContract.ExplainModelFile)}: explains another model " +
                    $"(it was built beside a {ModelContract.ModelFile} with SHA-256 {ModelDigest.Short(recorded)}…, this one's is {ModelDigest.Short(loaded)}…)",
                    IntegratedGradientsSession.RebuildRemedy(Info.Weights));
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The SHA-256 of the loaded <c>model.onnx</c>, hashed on first need (an explain graph that records one) and kept:
    /// a classifier that never opens <c>explain.onnx</c> (no Explain or CheckExplainer) never reads the model twice.
    /// </summary>
    /// <exception cref="ModelReplacedException">model.onnx was replaced or removed since it was loaded, so its bytes are not the loaded model's.</exception>
    /// <exception cref="ModelLoadException">model.onnx cannot be read.</exception>
    /// <param name="recordedDigest">The digest the <c>explain.onnx</c> being opened records, which confirms a model whose status alone changed since it was loaded (<see cref="ConfirmSameContent"/>).</param>
    private string LoadedModelDigest(string recordedDigest)
    {
        if (Volatile.Read(ref _loadedModelDigest) is { } known) return known;
        // Checked on both sides of the read, so that the digest kept is of the bytes that were loaded. A status change
        // confirmed by the content keeps that digest.
        RequireLoadedModelInPlace(recordedDigest);
        if (Volatile.Read(ref _loadedModelDigest) is { } confirmed) return confirmed;
        var modelPath = Path.Combine(Directory, ModelContract.ModelFile);
        string digest;
        try
        {
            digest = ModelDigest.OfModel(modelPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RequireLoadedModelInPlace(recordedDigest);
            throw new ModelLoadException($"{modelPath}: cannot be read to check that {ModelContract.ExplainModelFile} belongs to it ({ex.Message})", ex);
        }
        RequireLoadedModelInPlace(recordedDigest);
        Volatile.Write(ref _loadedModelDigest, digest);
        return digest;
    }

    private IReadOnlyDictionary<string, float> ProbabilitiesOf(ReadOnlySpan<float> logits)
    {
        var probabilities = LogitsToProbabilities.Compute(logits.ToArray(), logits.Length, Info.Problem);
        return Labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => probabilities[p.i]);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
