using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime;

/// <summary>
/// Serves a classifier directory (<see cref="ModelContract"/>: an OrtAgent export, or a Hugging Face model exported to
/// ONNX): tokenizes text with the model's vocabulary, runs <c>model.onnx</c> in ONNX Runtime, and maps probabilities to
/// labels. Safe for concurrent callers: the session and encoder are shared, immutable state.
/// </summary>
/// <remarks>
/// The classifier owns its <see cref="InferenceSession"/>s; dispose the classifier to release them. Dispose waits for
/// the calls in progress, and method calls after it (<see cref="Predict"/>, <see cref="PredictBatch"/>, the explain
/// methods) throw <see cref="ObjectDisposedException"/>; the properties (<see cref="Labels"/>, <see cref="Info"/>,
/// <see cref="Directory"/>, <c>CanExplain</c>) keep answering from what was loaded, which needs no session.
/// </remarks>
public sealed partial class TextClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertTextEncoder _encoder;
    // MaxBatchSize, capped at the batch size the graph's inputs fix.
    private readonly int _maxBatchSize;
    private readonly bool _hasTokenTypeIds;
    // Every chunk is filled up to the batch size and padded to the sequence length the graph's inputs fix, since such
    // a graph refuses any other; the encoder never cuts a text longer than the fixed length (Load sees to that).
    private readonly FixedInputShape _fixedShape;
    // The empty text that fills a chunk up to the fixed batch size; null where the graph takes any.
    private readonly int[]? _fillerRow;
    private readonly string[] _outputNames;
    // The graph inputs every run binds, in the order RunChunk passes their values: built once, not per chunk.
    private readonly string[] _inputNames;
    private readonly OrtSessionSettings _sessionSettings;
    // model.onnx as it was when loaded: explain.onnx, opened later by path, must still belong to that model.
    private ModelFileStamp? _loadedStamp;
    // explain.onnx as it was when the model was loaded (null: not there then): while it is still that file, the digest it
    // records of its model.onnx confirms a model.onnx whose status alone changed since (RequireLoadedModelInPlace).
    private FileStamp? _loadedExplainStamp;

    private TextClassifier(InferenceSession session, BertTextEncoder encoder, ClassifierModelInfo info, int maxBatchSize, FixedInputShape fixedShape,
        string directory, OrtSessionSettings sessionSettings)
    {
        _session = session;
        _sessionSettings = sessionSettings;
        _encoder = encoder;
        Info = info;
        Directory = directory;
        _fixedShape = fixedShape;
        _fillerRow = fixedShape.BatchSize > 0 ? [encoder.ClassificationTokenId, encoder.SeparatorTokenId] : null;
        _maxBatchSize = fixedShape.BatchSize > 0 ? Math.Min(maxBatchSize, fixedShape.BatchSize) : maxBatchSize;
        _hasTokenTypeIds = session.InputMetadata.ContainsKey(ModelContract.TokenTypeIds);
        _inputNames = _hasTokenTypeIds
            ? [ModelContract.InputIds, ModelContract.AttentionMask, ModelContract.TokenTypeIds]
            : [ModelContract.InputIds, ModelContract.AttentionMask];
        // Either output may be missing (Hugging Face exports have logits only); fetching both when present costs one
        // small copy per chunk and gives callers the raw scores.
        _outputNames = new[] { ModelContract.Probabilities, ModelContract.Logits }.Where(session.OutputMetadata.ContainsKey).ToArray();
    }

    /// <summary>Labels, tokenizer settings and recorded metrics of the loaded model.</summary>
    public ClassifierModelInfo Info { get; }

    /// <summary>The directory the model was loaded from.</summary>
    public string Directory { get; }

    /// <summary>
    /// The tokenizer this classifier reads texts with: its vocabulary, casing and the length it cuts texts at
    /// (<see cref="TextClassifierOptions.MaxLength"/> when given). For counting a text's tokens as the model sees them.
    /// </summary>
    public BertTextEncoder Encoder => _encoder;

    /// <summary>Label names in the order of the model's output columns (the same list as <see cref="ClassifierModelInfo.Labels"/>).</summary>
    public IReadOnlyList<string> Labels => Info.Labels;

    /// <summary>
    /// Loads <c>model.onnx</c> and <c>vocab.txt</c> from <paramref name="directory"/>, described by OrtAgent metadata or
    /// by Hugging Face's <c>config.json</c> and <c>tokenizer_config.json</c> (see <see cref="ModelContract"/>).
    /// </summary>
    /// <exception cref="ModelLoadException">A file is missing or malformed, or the model lacks the contract's inputs or outputs.</exception>
    /// <exception cref="DeviceUnavailableException">The requested device cannot be used.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or empty.</exception>
    /// <exception cref="InvalidOptionException">An option of <paramref name="options"/> cannot work: <see cref="TextClassifierOptions.Session"/>
    /// null, <see cref="TextClassifierOptions.MaxBatchSize"/>
    /// below 1, <see cref="TextClassifierOptions.MaxLength"/> below 2 or longer than the model can run (its position
    /// table, the sequence length its inputs fix, or one run that long when it is above the recorded length), or a
    /// <see cref="TextClassifierOptions.Session"/> setting out of range (<see cref="OrtSessionSettings.Validate"/>).</exception>
    public static TextClassifier Load(string directory, TextClassifierOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new TextClassifierOptions();
        options.Validate();
        if (!System.IO.Directory.Exists(directory))
            throw new ModelLoadException(File.Exists(directory) ? $"{directory}: {RegularFile.WhereAFolderWasNamed(directory)}; a model is a directory (model.onnx, vocab.txt, labels)"
                : InterruptedReplace.LeftoverOf(directory) is { } leftover
                    ? $"{directory}: model directory does not exist; an interrupted replace left the previous model in {leftover}; write the model again or rename it back"
                    : $"{directory}: model directory does not exist");
        var modelPath = Path.Combine(directory, ModelContract.ModelFile);
        var vocabPath = Path.Combine(directory, ModelContract.VocabularyFile);
        if (!File.Exists(modelPath)) throw TrainingArtifactsNotAModelException.NoModelFileIn(directory);
        // Before the vocabulary and the session: a newer OrtAgent's model may lack either, or hold a graph this ONNX
        // Runtime refuses, and its format is what the user needs to hear.
        ModelFormatProbe.RefuseAnotherFormat(modelPath);
        if (!File.Exists(vocabPath))
            throw new ModelLoadException(System.IO.Directory.Exists(vocabPath) ? $"{vocabPath}: is a directory; a model's {ModelContract.VocabularyFile} is a file"
                : $"{directory}: no {ModelContract.VocabularyFile} beside {ModelContract.ModelFile}{OtherTokenizerFiles.Describe(directory)}");
        ModelFolderFile.RequireRegularFile(vocabPath);

        var loadedStamp = ModelFileStamp.Of(modelPath);
        var loadedExplainStamp = ExplainGraphStamp(directory);
        using var sessionOptions = options.Session.CreateSessionOptions();
        InferenceSession session;
        try
        {
            // The stamp read which data files the model names: not read from model.onnx a second time.
            session = ExternalDataCopy.CreateSession(modelPath, sessionOptions, loadedStamp?.ExternalDataLocations);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException(ModelFileDamage.Describe(modelPath) ?? $"{modelPath}: ONNX Runtime cannot load it: {ex.Message.Split('\n')[0]}", ex);
        }
        try
        {
            int? positionRows = PositionTable.Rows(modelPath);
            var info = ModelContract.ReadInfoWithTable(directory, session.ModelMetadata.CustomMetadataMap, positionRows);
            ClassifierSignature.Require(session, info, modelPath);
            var fixedShape = FixedInputShape.Of(session);
            if (options.MaxLength is { } asked && PositionTable.RefusalOf(asked, positionRows, fixedShape.SequenceLength, modelPath) is { } refusal)
                throw new InvalidOptionException(InvalidOptionException.Name<TextClassifierOptions>(nameof(TextClassifierOptions.MaxLength)), asked, "is " + refusal);
            // A static export keeps its source's record (config.json's 512 over input_ids [batch, 128]): the inputs bound
            // it as the table does, and as HuggingFaceConfig holds model_max_length to max_position_embeddings.
            if (fixedShape.SequenceLength > 0 && info.MaxLength > fixedShape.SequenceLength)
                info = info with { MaxLength = fixedShape.SequenceLength, RecordedMaxLength = info.MaxLength };
            // Info says what is applied: the encoder below cuts texts at the option, not at the model's own length.
            if (options.MaxLength is { } applied && applied != info.MaxLength)
                info = info with { MaxLength = applied, ModelMaxLength = info.MaxLength };
            // Read once: the tokenizer is made from these bytes, and they are held to what the model records of its vocabulary.
            var vocabulary = ModelFolderFile.ReadAllBytes(vocabPath);
            BertTextEncoder encoder;
            try
            {
                encoder = BertTextEncoder.Create(vocabulary, vocabPath, new BertTextEncoderOptions
                {
                    LowerCase = info.LowerCase, StripAccents = info.StripAccents, IndividuallyTokenizeCjk = info.IndividuallyTokenizeCjk,
                    MaxLength = info.MaxLength,
                });
            }
            catch (VocabularyRefusedException ex)
            {
                // Said in the file's terms by the encoder, which every reader of a vocabulary shares.
                throw new ModelLoadException(ex.Message, ex);
            }
            var classifier = new TextClassifier(session, encoder, info, options.MaxBatchSize, fixedShape, directory, options.Session) { _loadedStamp = loadedStamp, _loadedExplainStamp = loadedExplainStamp };
            // config.json's vocab_size is what the config says, which an edit may change without the graph: only the
            // export's own record of its table spares the run.
            classifier.RequireVocabularyFits(vocabPath, vocabulary, tableRecorded: session.ModelMetadata.CustomMetadataMap.ContainsKey(ModelContract.VocabularySizeKey));
            // The table and the inputs' shape bound what the graph can run, but a graph may also fix its sequence length
            // inside (a smaller constant): a length above the recorded one is still run once to be sure.
            if (info.MaxLength > info.ModelMaxLength) classifier.RequireRoomFor(info.MaxLength);
            return classifier;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file of the model that exists but cannot be read (permissions, a folder in its place) is the user's to fix.
            session.Dispose();
            throw new ModelLoadException($"{directory}: {ex.Message}", ex);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses a <c>vocab.txt</c> the model was not trained with: by what the model records (<see cref="VocabularyFit"/>),
    /// and with no record of its table in the export (<paramref name="tableRecorded"/>), by running the vocabulary's last id
    /// through the model once, which ONNX Runtime's CPU provider refuses with an index error. The CUDA provider reads an
    /// out-of-range row as zeros without a word, so on a GPU only the records catch it.
    /// </summary>
    private void RequireVocabularyFits(string vocabPath, byte[] vocabulary, bool tableRecorded)
    {
        if (VocabularyFit.Require(Info, vocabPath, vocabulary, _encoder.LargestTokenId + 1) && tableRecorded) return;
        try
        {
            RunChunk([[_encoder.ClassificationTokenId, _encoder.LargestTokenId, _encoder.SeparatorTokenId]], probe: true);
        }
        catch (OnnxRuntimeException ex)
        {
            // Load's catch disposes the session this classifier was given.
            throw new ModelLoadException($"{vocabPath}: the model fails on its last token id, {_encoder.LargestTokenId} ({ex.Message.Split('\n')[0]}); "
                + VocabularyFit.IsItTheVocabulary, ex);
        }
    }

    /// <summary>Classifies one text.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> holds half a surrogate pair, which is not text.</exception>
    /// <exception cref="UserInputException"><paramref name="text"/> makes no WordPiece token, as <see cref="PredictBatch"/> refuses.</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public Prediction Predict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Classify([text], _ => nameof(text), CancellationToken.None)[0];
    }

    /// <summary>
    /// Refuses a text encoded to [CLS] and [SEP] alone, and not for want of room: the model would score (or explain) it
    /// without reading any of it.
    /// </summary>
    private static void RequireTokens(int[] tokenIds, bool truncated, string text, string name)
    {
        if (tokenIds.Length == 2 && !truncated) throw NothingIn(name, NothingToClassify.WhatItHolds(text));
    }

    /// <summary>As <see cref="RequireTokens(int[], bool, string, string)"/>, before the text is encoded (explanations align it word by word).</summary>
    private void RequireTokens(string text, string name)
    {
        if (NothingToClassify.Describe(text, _encoder) is { } held) throw NothingIn(name, held);
    }

    private static UserInputException NothingIn(string name, string held) => new($"{name} has nothing to classify: {held}");

    /// <summary>
    /// A MaxLength above the one the model records (and within its position table, when <see cref="PositionTable"/>
    /// finds one, and the sequence length its inputs fix) is checked by running one text that long: a longer text would
    /// otherwise fail on its first long request, inside ONNX Runtime.
    /// </summary>
    private void RequireRoomFor(int maxLength)
    {
        var longest = new int[maxLength];
        Array.Fill(longest, _encoder.PaddingTokenId);
        try
        {
            RunChunk([longest], probe: true);
        }
        catch (OnnxRuntimeException ex)
        {
            // Load's catch disposes the session this classifier was given.
            throw new InvalidOptionException(InvalidOptionException.Name<TextClassifierOptions>(nameof(TextClassifierOptions.MaxLength)), maxLength,
                $"is longer than {Directory}'s model can run: it records {Info.ModelMaxLength ?? Info.MaxLength} tokens, and a text of {maxLength} fails in ONNX Runtime", ex);
        }
    }

    /// <summary>
    /// Classifies texts in their given order. Internally texts are sorted by token length and run in chunks of
    /// <see cref="TextClassifierOptions.MaxBatchSize"/>, each padded only to its own longest text; a graph whose inputs
    /// fix the batch size or the sequence length gets chunks of at most that size, each filled up to it, and padded to
    /// that length.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is null (as <see cref="Predict"/> refuses a null
    /// text); for a text, the parameter is named <c>texts[i]</c>.</exception>
    /// <exception cref="ArgumentException">A text holds half a surrogate pair, which is not text; the parameter is named <c>texts[i]</c>.</exception>
    /// <exception cref="UserInputException">A text makes no WordPiece token (empty, whitespace, or only characters the tokenizer
    /// drops, such as a zero-width space): the message names it <c>texts[i]</c> and says what it held.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between chunks).</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Classify(texts, i => $"{nameof(texts)}[{i}]", cancellationToken);
    }

    /// <summary><see cref="PredictBatch"/>, each refusal naming its text as the caller passed it (<paramref name="nameOf"/>).</summary>
    private Prediction[] Classify(IReadOnlyList<string> texts, Func<int, string> nameOf, CancellationToken cancellationToken)
    {
        using var lease = Use();
        var results = new Prediction[texts.Count];
        if (texts.Count == 0) return results;
        var tokenIds = new int[texts.Count][];
        var truncated = new bool[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            RequireText(texts[i], nameOf(i));
            tokenIds[i] = _encoder.Encode(texts[i], out truncated[i]);
            RequireTokens(tokenIds[i], truncated[i], texts[i], nameOf(i));
        }
        int[] order = ShortestFirst(tokenIds);
        int labels = Labels.Count;
        for (int start = 0; start < order.Length; start += _maxBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = order.AsSpan(start, Math.Min(_maxBatchSize, order.Length - start));
            var rows = new int[chunk.Length][];
            for (int row = 0; row < chunk.Length; row++) rows[row] = tokenIds[chunk[row]];
            var (probabilities, logits) = RunChunk(rows);
            for (int row = 0; row < chunk.Length; row++)
                results[chunk[row]] = ToPrediction(
                    probabilities.AsSpan(row * labels, labels),
                    logits is null ? ReadOnlySpan<float>.Empty : logits.AsSpan(row * labels, labels),
                    truncated[chunk[row]]);
        }
        return results;
    }

    /// <summary>
    /// The texts' places ordered by token count, ties in the caller's order (as a stable sort keeps them), so that each
    /// chunk pads only to its own longest text. Sorted as one key per text, count then place, which are all distinct:
    /// the order is OrderBy's without its per-call buffers.
    /// </summary>
    internal static int[] ShortestFirst(int[][] tokenIds)
    {
        var keys = new long[tokenIds.Length];
        var order = new int[tokenIds.Length];
        for (int i = 0; i < tokenIds.Length; i++)
        {
            keys[i] = (long)tokenIds[i].Length << 32 | (uint)i;
            order[i] = i;
        }
        Array.Sort(keys, order);
        return order;
    }

    /// <param name="rows">Token ids, one array a text.</param>
    /// <param name="probe">
    /// A load-time check whose failure the caller reports as its own exception: ONNX Runtime logs only fatal errors
    /// of the run, so the host's stderr does not get its red error line before the library's exception.
    /// </param>
    private (float[] Probabilities, float[]? Logits) RunChunk(int[][] rows, bool probe = false)
    {
        // A graph with a fixed batch size is given empty texts to fill it; their scores are never read.
        if (rows.Length < _fixedShape.BatchSize)
            rows = [.. rows, .. Enumerable.Repeat(_fillerRow!, _fixedShape.BatchSize - rows.Length)];
        var batch = EncodedBatch.FromTokenIds(rows.Length, r => rows[r], _encoder.PaddingTokenId, _fixedShape.SequenceLength);
        long[] shape = batch.Shape;
        using var idsValue = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var typesValue = _hasTokenTypeIds ? OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape) : null;
        OrtValue[] values = typesValue is null ? [idsValue, maskValue] : [idsValue, maskValue, typesValue];
        using var runOptions = new RunOptions();
        if (probe) runOptions.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        using var outputs = _session.Run(runOptions, _inputNames, values, _outputNames);
        // Copied out of ONNX Runtime's buffers, which the outputs' disposal frees: the predictions outlive them.
        float[]? probabilities = null, logits = null;
        for (int i = 0; i < _outputNames.Length; i++)
        {
            var scores = outputs[i].GetTensorDataAsSpan<float>().ToArray();
            if (_outputNames[i] == ModelContract.Logits) logits = scores;
            else probabilities = scores;
        }
        return (probabilities ?? LogitsToProbabilities.Compute(logits!, Labels.Count, Info.Problem), logits);
    }

    private Prediction ToPrediction(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> logits, bool truncated)
    {
        var map = new Dictionary<string, float>(Labels.Count);
        int best = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            map[Labels[i]] = probabilities[i];
            if (probabilities[i] > probabilities[best]) best = i;
        }
        Dictionary<string, float>? logitMap = null;
        if (!logits.IsEmpty)
        {
            logitMap = new Dictionary<string, float>(Labels.Count);
            for (int i = 0; i < logits.Length; i++) logitMap[Labels[i]] = logits[i];
        }
        return new Prediction(Labels[best], probabilities[best], map) { Logits = logitMap, Truncated = truncated };
    }

}
