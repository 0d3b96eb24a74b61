using OrtAgent.Onnx;
using OrtAgent.Onnx.Transforms;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Export;

/// <summary>
/// Writes the inference model of a fine-tuned classifier: the base encoder plus the head (dropout removed) with the
/// trained weights, outputs <c>logits</c> and <c>probabilities</c>, OrtAgent metadata inside the model, the vocabulary
/// beside it and a model card. Any ONNX Runtime application can load the result without OrtAgent.
/// </summary>
public static class ModelExporter
{
    /// <summary>
    /// Exports into <paramref name="outputDirectory"/>, replacing what is there only once the new model is complete: the
    /// files are written to a sibling temporary directory that is then renamed into place.
    /// </summary>
    /// <exception cref="InvalidOptionException">An option cannot work (<see cref="ExportOptions.Validate"/>), or
    /// <see cref="ExportOptions.MaxLength"/> is longer than the base model's position table.</exception>
    /// <exception cref="UserInputException">The base model is gone or a parameter is missing.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the new model was put in place; what was there stays.</exception>
    public static void Export(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters,
        ExportOptions options, string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        Prepare(artifacts, parameters, options).WriteTo(outputDirectory, cancellationToken);
    }

    /// <summary>
    /// True when <paramref name="outputDirectory"/> holds what a <c>TextClassifier</c> loaded from it reads of the export
    /// that <see cref="Export"/> would write now: an OrtAgent export whose <c>model.onnx</c> and <c>vocab.txt</c> are
    /// byte for byte what these parameters, options and artifacts give, with <c>explain.onnx</c> byte for byte when
    /// <see cref="ExportOptions.WriteExplainGraph"/> is set and absent when it is not. <c>README.md</c> and
    /// <see cref="ExportOptions.ExtraFiles"/> are not compared: no classifier reads them. Exporting again would only give
    /// the same model a new write time, which a <c>TextClassifier</c> loaded from it takes for a replaced model; a caller
    /// with nothing new to export keeps it. Nothing is written.
    /// </summary>
    /// <exception cref="InvalidOptionException">An option cannot work, as for <see cref="Export"/>.</exception>
    /// <exception cref="UserInputException">The base model is gone or a parameter is missing, as for <see cref="Export"/>.</exception>
    public static bool IsInPlace(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters,
        ExportOptions options, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        // Validated before the directory is looked at, so bad options throw even where no export is.
        options.Validate();
        return PreparedExport.MayHoldAnExport(Path.GetFullPath(outputDirectory)) && PrepareValidated(artifacts, parameters, options).IsIn(outputDirectory);
    }

    /// <summary>
    /// Builds the export <see cref="Export"/> writes, without writing it: <c>model.onnx</c> with its metadata (int8 when
    /// asked and there are weights worth quantizing), and <c>explain.onnx</c> when asked. A caller that first asks
    /// whether it is in place (<see cref="PreparedExport.IsIn"/>) writes the same build (<see cref="PreparedExport.WriteTo"/>).
    /// </summary>
    /// <exception cref="InvalidOptionException">An option cannot work, as for <see cref="Export"/>.</exception>
    /// <exception cref="UserInputException">The base model is gone or a parameter is missing.</exception>
    internal static PreparedExport Prepare(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters, ExportOptions options)
    {
        options.Validate();
        return PrepareValidated(artifacts, parameters, options);
    }

    /// <summary><see cref="Prepare"/> of options already validated.</summary>
    private static PreparedExport PrepareValidated(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters, ExportOptions options)
    {
        var model = BuildInferenceModel(artifacts, parameters);
        var info = InfoOf(artifacts, options, model.Graph);
        model.DocString = $"OrtAgent text classifier fine-tuned from {info.BaseModel}";
        // Gradients need the fp32 weights, so the explain graph comes from its own fp32 build, also for int8 exports.
        OnnxModel? explain = null;
        if (options.WriteExplainGraph)
        {
            explain = ExplainGraphBuilder.Build(BuildInferenceModel(artifacts, parameters));
            foreach (var (key, value) in ModelContract.ToMetadata(info with { Weights = ModelWeights.Float32 })) explain.Metadata[key] = value;
        }
        // Weights too small to be worth it stay fp32, so a tiny model asked for int8 may have none to quantize.
        bool int8 = options.QuantizeInt8 && Int8Quantizer.Quantize(model.Graph) > 0;
        foreach (var (key, value) in ModelContract.ToMetadata(info with { Weights = int8 ? ModelWeights.Int8 : ModelWeights.Float32 })) model.Metadata[key] = value;
        return new PreparedExport(artifacts, options, model, explain, info, int8);
    }

    /// <summary>
    /// What the metadata records of the model <paramref name="g"/>: each tokenizer setting as <paramref name="options"/>
    /// give it, or, left null, as the artifacts record it (what the trainer tokenized with).
    /// </summary>
    private static ClassifierModelInfo InfoOf(TrainingArtifacts artifacts, ExportOptions options, Graph g)
    {
        var properties = artifacts.Properties;
        // The position table's rows are the longest sequence the encoder reads.
        int? positions = g.Initializers.FirstOrDefault(v => v.Name.EndsWith("position_embeddings.weight", StringComparison.Ordinal))?.Initializer is { Rank: 2 } table
            ? checked((int)table.Dims[0])
            : null;
        if (options.MaxLength > positions)
            throw new InvalidOptionException(InvalidOptionException.Name<ExportOptions>(nameof(ExportOptions.MaxLength)), options.MaxLength,
                "is " + PositionTable.LongerThan(positions.Value, properties.BaseModel));
        var vocabulary = Path.Combine(artifacts.Directory, ModelContract.VocabularyFile);
        return new ClassifierModelInfo(
            properties.Labels,
            options.MaxLength ?? properties.MaxLength ?? Math.Min(ExportOptions.FallbackMaxLength, positions ?? int.MaxValue),
            options.LowerCase ?? properties.LowerCase ?? (!File.Exists(vocabulary) || BaseModels.BaseModelInspector.IsLowerCaseVocabulary(File.ReadLines(vocabulary))),
            options.BaseModelName ?? properties.BaseModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(properties.BaseModel)),
            ProblemOf(properties.Loss),
            options.Metrics)
        {
            VocabularySize = WordEmbeddingLookup.TableRows(g),
            // The table's rows may exceed the tokens (a base padded to a multiple of 8): only this count tells a cut vocab.txt.
            VocabularyTokens = File.Exists(vocabulary) ? BertTextEncoder.CountVocabularyTokens(vocabulary) : null,
            // And only the tokens' digest tells a same-size vocabulary of other tokens, or of the same ones reordered.
            VocabularySha256 = File.Exists(vocabulary) ? VocabularyFit.DigestOf(File.ReadAllBytes(vocabulary)) : null,
        };
    }

    /// <summary>
    /// Writes <c>explain.onnx</c> beside the <c>model.onnx</c> of an exported model (one exported before explanations
    /// existed), built from that model alone. The file appears complete or not at all.
    /// </summary>
    /// <returns>The path of the written <c>explain.onnx</c>.</returns>
    /// <exception cref="ExplainGraphUnavailableException">The model is int8 and has no <c>explain.onnx</c>: it must be exported again from its checkpoint.</exception>
    /// <exception cref="ModelLoadException">The model records a format this OrtAgent does not read (a newer one's); nothing is written.</exception>
    /// <exception cref="UserInputException">No model there, it cannot be read or explained (no word embeddings), or the
    /// <c>explain.onnx</c> beside an int8 model cannot be read.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelDirectory"/> is null or empty.</exception>
    /// <exception cref="IOException">The disk filled while <c>explain.onnx</c> was written (nothing is left of it).</exception>
    public static string AddExplainGraph(string modelDirectory) => AddExplainGraph(modelDirectory, ModelSaveOptions.InlineLimitBytes);

    /// <summary>As the public overload, with the weights above which the graph gets its own data file given: a test's is small enough to reach.</summary>
    internal static string AddExplainGraph(string modelDirectory, long inlineLimitBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var modelPath = Path.Combine(modelDirectory, ModelContract.ModelFile);
        if (!File.Exists(modelPath)) throw TrainingArtifactsNotAModelException.NoModelFileIn(modelDirectory);
        // A newer OrtAgent's model is refused before anything is written into it: its graph may be one this build reads
        // wrongly, and an explain.onnx built from it would sit beside it as if it explained it.
        ModelFormatProbe.RefuseAnotherFormat(modelPath);
        // model.onnx read once: the digest stamped on explain.onnx covers the model.onnx bytes it was built from, even if
        // that file is replaced meanwhile. External data files are read from disk by the digest and by the load, each
        // in turn, so one replaced between the two is not caught here.
        OnnxModel model;
        string modelDigest;
        try
        {
            var bytes = File.ReadAllBytes(modelPath);
            modelDigest = ModelDigest.OfModel(bytes, modelPath);
            model = OnnxModel.Load(bytes, modelPath);
        }
        catch (InvalidDataException ex)
        {
            throw new UserInputException($"{modelPath}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{modelPath}: cannot be read ({FileFailure(ex)})", ex);
        }
        if (ExplainGraphBuilder.IsQuantized(model))
        {
            // An int8 export keeps the explain.onnx of its fp32 weights; telling its owner to re-export would only puzzle,
            // unless that one is damaged or another model's.
            var existing = Path.Combine(modelDirectory, ModelContract.ExplainModelFile);
            if (File.Exists(existing))
                throw UnusableExplainGraph(existing, modelDigest) is { } problem
                    ? new ExplainGraphUnavailableException(modelDirectory, $"{problem}, and {modelPath} is int8-quantized: {ExplainGraphNames.Int8NeedsFloat32}",
                        ExplainGraphRemedy.ExportAgainFromCheckpoint)
                    : new UserInputException($"{modelPath}: is int8-quantized, so {ModelContract.ExplainModelFile} cannot be rebuilt from it; the one beside it, written from the fp32 weights at export, explains it already");
            throw new ExplainGraphUnavailableException(modelDirectory,
                $"{modelPath}: cannot add {ModelContract.ExplainModelFile}: the model is int8-quantized, and {ExplainGraphNames.Int8NeedsFloat32}",
                ExplainGraphRemedy.ExportAgainFromCheckpoint);
        }
        try
        {
            ExplainGraphBuilder.Build(model);
        }
        catch (UserInputException ex)
        {
            throw new UserInputException($"{modelPath}: cannot add {ModelContract.ExplainModelFile}: {ex.Message}", ex);
        }
        var explainPath = Path.Combine(modelDirectory, ModelContract.ExplainModelFile);
        try
        {
            Checkpoints.TemporarySiblings.Sweep(explainPath);
            // Listed as OrtAgent's own before it appears, so a kill between the two never leaves an explain.onnx that a
            // later export or train to this directory would take for a user's file (listing a file not there is harmless).
            Checkpoints.WrittenFilesManifest.Add(modelDirectory, ModelContract.ExplainModelFile);
            model.Metadata[ExplainGraphNames.ModelDigestMetadata] = modelDigest;
            var temporary = Checkpoints.TemporarySiblings.For(explainPath, "tmp", hidden: true);
            model.Save(explainPath, ExplainGraphSaveOptions(model, temporary, inlineLimitBytes));
            Checkpoints.TemporarySiblings.Release(temporary);
        }
        // A full disk is not the user's mistake: it reaches the CLI as itself, said as a full disk with exit 1 (it was
        // this exit-2 refusal).
        catch (Exception ex) when (ex is UnauthorizedAccessException || (ex is IOException io && !Checkpoints.DiskFull.Is(io)))
        {
            throw new UserInputException($"{modelDirectory}: cannot write {ModelContract.ExplainModelFile} there " +
                $"({FileFailure(ex)})", ex);
        }
        return explainPath;
    }

    /// <summary>
    /// How <c>explain.onnx</c> is saved: inline up to <paramref name="inlineLimitBytes"/> of weights, else with them in
    /// <c>explain.onnx.data</c>, whose SHA-256 it then records (<see cref="ExplainGraphNames.ExternalDataDigestMetadata"/>):
    /// a classifier refuses another model's data file of the same size copied over it, which the graph alone cannot tell.
    /// </summary>
    internal static ModelSaveOptions ExplainGraphSaveOptions(OnnxModel explain, string temporaryPath, long inlineLimitBytes) => new()
    {
        TemporaryPath = temporaryPath,
        ExternalData = explain.Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length) > inlineLimitBytes,
        ExternalDataDigestKey = ExplainGraphNames.ExternalDataDigestMetadata,
    };

    /// <summary>
    /// What is wrong with the <c>explain.onnx</c> at <paramref name="explainPath"/> as the graph of the <c>model.onnx</c>
    /// whose SHA-256 is <paramref name="modelDigest"/> that its metadata shows (not an ONNX model, or built beside other
    /// bytes), or null when nothing there says it is not.
    /// </summary>
    /// <exception cref="UserInputException">The file cannot be read.</exception>
    private static string? UnusableExplainGraph(string explainPath, string modelDigest)
    {
        try
        {
            return OnnxModel.ReadMetadata(explainPath).TryGetValue(ExplainGraphNames.ModelDigestMetadata, out var recorded) && recorded != modelDigest
                ? $"{explainPath}: explains another model"
                : null;
        }
        catch (InvalidDataException)
        {
            return $"{explainPath}: {ExplainGraphNames.NotAWholeModel}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{explainPath}: cannot be read ({FileFailure(ex)})", ex);
        }
    }

    /// <summary>Why a file could not be read or written, in a message's words (the runtime's for permission name no file).</summary>
    private static string FileFailure(Exception ex) => ex is UnauthorizedAccessException ? "permission denied" : ex.Message;

    /// <summary>The encoder + head graph with trained weights, outputs <c>logits</c> and <c>probabilities</c>.</summary>
    public static OnnxModel BuildInferenceModel(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters) =>
        BuildInferenceModel(artifacts, parameters, out _);

    /// <summary>As <see cref="BuildInferenceModel(TrainingArtifacts, IReadOnlyList{KeyValuePair{string, Onnx.TensorData}})"/>, also giving the head's values.</summary>
    internal static OnnxModel BuildInferenceModel(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters,
        out ClassifierHead head)
    {
        var properties = artifacts.Properties;
        var encoderPath = new TrainingArtifactsOptions { BaseModel = properties.BaseModel }.ResolveEncoderPath();
        var model = OnnxModel.Load(encoderPath);
        TrainingGraphBuilder.PrepareOpset(model, encoderPath);
        var g = model.Graph;
        g.Name = "ortagent_classifier";
        var encoder = BertEncoderGraph.Attach(g);
        g.Outputs.Clear();
        // A contrastive encoder's head was fitted afterwards on its normalised embeddings; the caller passes its weights.
        // A standard run started from such a model kept them normalised (properties.NormalizeEmbeddings).
        bool contrastive = properties.Objective == TrainingObjective.PairSimilarity;
        head = TaskHeadBuilder.Append(encoder,
            new ClassifierHeadOptions
            {
                NumLabels = properties.NumLabels, Pooling = ClassifierHeadOptions.ParsePooling(properties.Pooling), Seed = properties.Seed,
                NormalizeEmbeddings = contrastive || properties.NormalizeEmbeddings,
            },
            HeadDropout.Evaluation);
        var probabilities = properties.Loss switch
        {
            "bce" => g.Sigmoid(head.Logits),
            "mse" => g.Identity(head.Logits),
            _ => g.Softmax(head.Logits, -1),
        };
        GraphOutputs.Expose(g, head.Logits, ModelContract.Logits, ElementType.Float, [Dim.Symbolic("batch"), Dim.Known(properties.NumLabels)]);
        GraphOutputs.Expose(g, probabilities, ModelContract.Probabilities, ElementType.Float, [Dim.Symbolic("batch"), Dim.Known(properties.NumLabels)]);
        g.RemoveUnused();

        var byName = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        IEnumerable<string> names = properties.TrainableParameters.Concat(properties.FrozenParameters);
        if (contrastive) names = names.Concat([ClassifierHead.WeightName, ClassifierHead.BiasName]);
        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var data))
                throw new UserInputException($"{artifacts.Directory}: the checkpoint has no tensor '{name}'");
            var initializer = g.Initializers.FirstOrDefault(v => v.Name == name);
            // Parameters the inference graph does not read (an unused pooler) are simply not exported.
            if (initializer is not null) initializer.Initializer = data;
        }
        if (properties.Lora is { } lora)
        {
            BaseModelFingerprint.Verify(encoderPath, lora.BaseSha256, artifacts.Directory);
            LoraMerge.Apply(g, lora, byName);
        }
        model.ProducerName = "OrtAgent";
        return model;
    }

    private static string ProblemOf(string loss) => loss switch
    {
        "bce" => ModelContract.MultiLabel,
        "mse" => ModelContract.Regression,
        _ => ModelContract.SingleLabel,
    };
}
