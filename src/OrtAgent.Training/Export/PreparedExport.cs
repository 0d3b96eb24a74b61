using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Training.Export;

/// <summary>
/// An export built in memory and not yet written (<see cref="ModelExporter.Prepare"/>): the models, the metadata they
/// record and the card. One build serves both the question whether a directory already holds it and the write, so a
/// caller that asks first (a finished run called again) builds the fp32, explain and int8 graphs once.
/// </summary>
internal sealed class PreparedExport
{
    private readonly TrainingArtifacts _artifacts;
    private readonly ExportOptions _options;
    private readonly OnnxModel _model;
    private readonly OnnxModel? _explain;
    private readonly ClassifierModelInfo _info;
    private readonly bool _int8;

    internal PreparedExport(TrainingArtifacts artifacts, ExportOptions options, OnnxModel model, OnnxModel? explain, ClassifierModelInfo info, bool int8)
    {
        _artifacts = artifacts;
        _options = options;
        _model = model;
        _explain = explain;
        _info = info;
        _int8 = int8;
    }

    private string VocabularyPath => Path.Combine(_artifacts.Directory, ModelContract.VocabularyFile);

    /// <summary>
    /// True when <paramref name="outputDirectory"/> holds what a loaded <c>TextClassifier</c> reads of this export:
    /// <c>model.onnx</c> and <c>vocab.txt</c> byte for byte, and <c>explain.onnx</c> byte for byte when this export has
    /// one, absent when it has none (a classifier would explain with a graph the export drops). The card and the run
    /// log beside them (<c>README.md</c>, <see cref="ExportOptions.ExtraFiles"/>, <see cref="ExportOptions.ExtraFilesWriter"/>'s) are not compared: no classifier reads
    /// them, and they describe the call that wrote them, which a caller keeping the export means to keep.
    /// </summary>
    public bool IsIn(string outputDirectory)
    {
        var full = Path.GetFullPath(outputDirectory);
        if (!MayHoldAnExport(full)) return false;
        // The vocabulary first: it is compared as it is, the models only once serialized.
        if (!File.Exists(VocabularyPath) || !HoldsBytes(Path.Combine(full, ModelContract.VocabularyFile), File.ReadAllBytes(VocabularyPath))) return false;
        if (InlineBytes(_model) is not { } modelBytes || !HoldsBytes(Path.Combine(full, ModelContract.ModelFile), modelBytes)) return false;
        // The file holds these bytes, so its digest is theirs: it is not read a second time to stamp the explain graph.
        return _explain is null ? !File.Exists(Path.Combine(full, ModelContract.ExplainModelFile))
            : HoldsBytesOf(Path.Combine(full, ModelContract.ExplainModelFile), ExplainRecording(ModelDigest.Of(modelBytes)));
    }

    /// <summary>
    /// The explain graph, recording <paramref name="modelDigest"/>, the SHA-256 of this export's <c>model.onnx</c> as
    /// written: a classifier refuses the graph beside any other. The model's own bytes are left as they were.
    /// </summary>
    private OnnxModel ExplainRecording(string modelDigest)
    {
        _explain!.Metadata[ExplainGraphNames.ModelDigestMetadata] = modelDigest;
        return _explain;
    }

    /// <summary>Whether <paramref name="fullPath"/> is a directory an export was written to, before anything is built to compare with it.</summary>
    internal static bool MayHoldAnExport(string fullPath) =>
        Directory.Exists(fullPath) && Checkpoints.DirectoryLayout.ExportedModel.IsMarked(fullPath);

    /// <summary>
    /// Writes the export into <paramref name="outputDirectory"/>, replacing what is there only once the new model is
    /// complete: the files are written to a sibling temporary directory that is then renamed into place.
    /// </summary>
    /// <exception cref="UserInputException">The artifacts have no <c>vocab.txt</c>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the new model was put in place; what was there stays.</exception>
    public void WriteTo(string outputDirectory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var full = Path.GetFullPath(outputDirectory);
        Checkpoints.TemporarySiblings.Sweep(full);
        var staging = Checkpoints.TemporarySiblings.For(full, "tmp");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            SaveStaged(_model, Path.Combine(staging, ModelContract.ModelFile));
            CrashPoint.Reach(CrashPoint.ExportModelWritten);
            if (_explain is not null)
                SaveStaged(ExplainRecording(ModelDigest.OfModel(Path.Combine(staging, ModelContract.ModelFile))), Path.Combine(staging, ModelContract.ExplainModelFile),
                    temporary => ModelExporter.ExplainGraphSaveOptions(_explain, temporary, _options.ExplainGraphInlineLimitBytes));
            if (!File.Exists(VocabularyPath)) throw new UserInputException($"{_artifacts.Directory}: {ModelContract.VocabularyFile} is missing, and the model is exported with it; "
                + $"copy in the {ModelContract.VocabularyFile} of the base the run was trained on ({_artifacts.Properties.BaseModel})");
            File.Copy(VocabularyPath, Path.Combine(staging, ModelContract.VocabularyFile));
            File.WriteAllText(Path.Combine(staging, "README.md"), _options.ModelCard ?? ModelCard.FromInfo(_int8 ? _info with { Weights = ModelWeights.Int8 } : _info, _int8 ? _options.CardSections.Concat(Int8Section).ToDictionary() : _options.CardSections));
            foreach (var (fileName, source) in _options.ExtraFiles)
                if (File.Exists(source)) File.Copy(source, Path.Combine(staging, fileName));
            _options.ExtraFilesWriter?.Invoke(staging);
            // The last moment a cancellation can keep the old model: after the swap the new one is in place.
            cancellationToken.ThrowIfCancellationRequested();
            Checkpoints.AtomicDirectory.Replace(staging, full, Checkpoints.DirectoryLayout.ExportedModel);
        }
        catch (Exception ex)
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            // A failure's error may name the staging path, which the kept name tells as the destination; a stop names no
            // path, so its name is released as after success, else a service (a job cancelled while its model is
            // exported) held it for the life of its process.
            if (ex is OperationCanceledException) Checkpoints.TemporarySiblings.Release(staging);
            throw;
        }
        Checkpoints.TemporarySiblings.Release(staging);
    }

    /// <summary>
    /// Saves <paramref name="model"/> at <paramref name="path"/> in the staging directory through a temporary name that
    /// stands in for it, so an error its write raises (a full disk) names the destination's file, as the staging
    /// directory is named as the destination: it named <c>explain.onnx.tmp</c>, a file no export leaves.
    /// </summary>
    /// <param name="model">The model to save.</param>
    /// <param name="path">Where in the staging directory.</param>
    /// <param name="options">How to save it, given the temporary name; null saves it as the model's size decides.</param>
    private static void SaveStaged(OnnxModel model, string path, Func<string, ModelSaveOptions>? options = null)
    {
        var temporary = Checkpoints.TemporarySiblings.StandIn(path + ".tmp", path);
        model.Save(path, options?.Invoke(temporary) ?? new ModelSaveOptions { TemporaryPath = temporary });
        Checkpoints.TemporarySiblings.Release(temporary);
    }

    /// <summary>Whether the file at <paramref name="path"/> is <paramref name="model"/> as <see cref="OnnxModel.Save"/> writes it inline.</summary>
    private static bool HoldsBytesOf(string path, OnnxModel model) => InlineBytes(model) is { } bytes && HoldsBytes(path, bytes);

    /// <summary>
    /// <paramref name="model"/> serialized as <see cref="OnnxModel.Save"/> writes it inline, or null for a model large
    /// enough to be saved with external data, which is not compared: it is exported again.
    /// </summary>
    private static byte[]? InlineBytes(OnnxModel model) =>
        model.Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length) <= ModelSaveOptions.InlineLimitBytes ? model.ToBytes() : null;

    private static bool HoldsBytes(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            var file = new FileInfo(path);
            return file.Exists && file.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>What a card says of an int8 export, which a reader of the card could not otherwise tell.</summary>
    private static readonly IReadOnlyDictionary<string, string> Int8Section = new Dictionary<string, string>
    {
        [ModelCard.WeightsTitle] = "int8: the MatMul weights are quantized in blocks of each column, with activations quantized " +
            "per block of each row (`com.microsoft` `MatMulNBits`, 8 bits), so a text's result does not depend on the other texts of its batch " +
            "(only float rounding of another batch shape remains, which an int8 step can enlarge), " +
            "and the large embedding tables per row. An int8 model is a CPU/edge artifact; on a GPU, serve the fp32 export. " +
            "`explain.onnx`, when present, keeps the fp32 weights.",
    };
}
