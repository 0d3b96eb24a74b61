using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// <c>explain.onnx</c> on a tiny BERT classifier: its integrated gradients against finite differences of the plain
/// forward graph, and against the same explanation computed through the training artifacts' eval graph.
/// </summary>
public sealed class ExplainGraphTests : IClassFixture<ExplainGraphTests.TinyExplainedModel>
{
    private const int Steps = 8;
    private static readonly string[] Texts = ["the movie was terrible, never again!", "I loved this book", "good food but slow service"];
    private readonly TinyExplainedModel _model;

    public ExplainGraphTests(TinyExplainedModel model) => _model = model;

    [Fact]
    public void ExportWritesAnExplainGraphWithTheContractsInputsAndOutputs()
    {
        var explain = OnnxModel.Load(Path.Combine(_model.ModelDirectory, ModelContract.ExplainModelFile));
        Assert.Equal(
            new[] { ExplainGraphNames.Alpha, ExplainGraphNames.AttentionMask, ExplainGraphNames.BaselineIds, ExplainGraphNames.InputIds, ExplainGraphNames.Target, ExplainGraphNames.TokenTypeIds },
            explain.Graph.Inputs.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal([ExplainGraphNames.Logits, ExplainGraphNames.EmbeddingGradient, ExplainGraphNames.GradientTimesDelta],
            explain.Graph.Outputs.Select(o => o.Name).ToArray());
        Assert.Equal("[\"neg\",\"neu\",\"pos\"]", explain.Metadata[ModelContract.LabelsKey]);
    }

    [Theory]
    [InlineData(ExplainBaseline.Pad)]
    [InlineData(ExplainBaseline.Mask)]
    public void AttributionsMatchFiniteDifferenceIntegratedGradients(ExplainBaseline baseline)
    {
        using var classifier = TextClassifier.Load(_model.ModelDirectory);
        using var forward = _model.ForwardFromWordEmbeddings();
        var table = _model.WordEmbeddings;
        int hidden = (int)table.Dims[1];
        var rows = table.ToArray<float>();
        var (alphas, weights) = GaussLegendreRule.On01(Steps);
        foreach (var text in Texts)
        {
            var explanation = classifier.Explain(text, new ExplainOptions { Steps = Steps, Baseline = baseline });
            var alignment = WordPieceAlignment.Align(_model.Encoder, text);
            var tokens = alignment.TokenIds;
            int baselineToken = baseline == ExplainBaseline.Mask ? _model.Encoder.MaskTokenId : _model.Encoder.PaddingTokenId;
            var baselineTokens = tokens.Select((id, t) => alignment.WordOfToken[t] < 0 ? id : baselineToken).ToArray();
            int length = tokens.Length;

            // d logit / d epsilon of point + epsilon * delta_t (delta at token t only) is token t's gradient . delta.
            const float epsilon = 1e-2f;
            var fdWords = new double[alignment.Words.Count];
            double fdSum = 0;
            for (int k = 0; k < Steps; k++)
            {
                var batch = new float[2 * length * length * hidden];
                for (int t = 0; t < length; t++)
                    for (int sign = 0; sign < 2; sign++)
                    {
                        int row = 2 * t + sign;
                        for (int p = 0; p < length; p++)
                            for (int h = 0; h < hidden; h++)
                            {
                                double x = rows[tokens[p] * hidden + h], b = rows[baselineTokens[p] * hidden + h];
                                double value = b + alphas[k] * (x - b) + (p == t ? (sign == 0 ? epsilon : -epsilon) * (x - b) : 0);
                                batch[(row * length + p) * hidden + h] = (float)value;
                            }
                    }
                var logits = _model.RunForward(forward, tokens, batch, 2 * length);
                for (int t = 0; t < length; t++)
                {
                    int labels = 3;
                    double derivative = (logits[(2 * t) * labels + explanation.LabelIndex] - logits[(2 * t + 1) * labels + explanation.LabelIndex]) / (2 * epsilon);
                    fdSum += weights[k] * derivative;
                    if (alignment.WordOfToken[t] is var w and >= 0) fdWords[w] += weights[k] * derivative;
                }
            }

            double scale = fdWords.Max(Math.Abs);
            Assert.True(scale > 0.05, $"'{text}': the largest word attribution is {scale:G3}; too small to compare");
            Assert.Equal(fdWords.Length, explanation.Words.Count);
            for (int w = 0; w < fdWords.Length; w++)
                Assert.True(Math.Abs(fdWords[w] - explanation.Words[w].Attribution) <= 0.02 * scale + 1e-3,
                    $"'{text}' word '{explanation.Words[w].Text}': explain.onnx {explanation.Words[w].Attribution:G5}, finite differences {fdWords[w]:G5}");
            Assert.Equal(fdSum, explanation.AttributionSum, 0.02 * scale + 1e-3);
            Assert.True(explanation.Words.Select(w => w.Attribution).Distinct().Count() > 1, "every word got the same attribution");
        }
    }

    [Fact]
    public void ExplanationsFromExplainOnnxMatchTheOnesThroughTheTrainingEvalGraph()
    {
        // The eval graph of the training artifacts, with its trainable weights as inputs fed from the checkpoint,
        // turned into an explain graph: a second path to the same numbers that skips the export entirely.
        var eval = ExplainGraphBuilder.Build(OnnxModel.Load(_model.Artifacts.EvalModelPath));
        using var runner = OnnxRunner.FromModel(eval);
        var parameters = _model.Parameters.ToDictionary(p => p.Key, p => p.Value);
        var fed = runner.Session.InputMetadata.Keys.Where(parameters.ContainsKey).ToList();
        Assert.Contains(fed, name => name.EndsWith("word_embeddings.weight", StringComparison.Ordinal));

        using var classifier = TextClassifier.Load(_model.ModelDirectory);
        var (alphas, weights) = GaussLegendreRule.On01(Steps);
        foreach (var text in Texts)
        {
            var explanation = classifier.Explain(text, new ExplainOptions { Steps = Steps });
            var alignment = WordPieceAlignment.Align(_model.Encoder, text);
            int length = alignment.TokenIds.Length;
            var feeds = fed.ToDictionary(name => name, name => parameters[name]);
            long[] shape = [Steps, length];
            feeds[ExplainGraphNames.InputIds] = TensorData.Create<long>(shape, Repeat(alignment.TokenIds.Select(i => (long)i), Steps));
            feeds[ExplainGraphNames.BaselineIds] = TensorData.Create<long>(shape,
                Repeat(alignment.TokenIds.Select((id, t) => (long)(alignment.WordOfToken[t] < 0 ? id : _model.Encoder.PaddingTokenId)), Steps));
            feeds[ExplainGraphNames.AttentionMask] = TensorData.Create<long>(shape, Enumerable.Repeat(1L, Steps * length).ToArray());
            if (runner.Session.InputMetadata.ContainsKey(ExplainGraphNames.TokenTypeIds))
                feeds[ExplainGraphNames.TokenTypeIds] = TensorData.Create<long>(shape, new long[Steps * length]);
            feeds[ExplainGraphNames.Alpha] = TensorData.Create<float>([Steps], alphas.Select(a => (float)a).ToArray());
            feeds[ExplainGraphNames.Target] = TensorData.Create<long>([Steps], Enumerable.Repeat((long)explanation.LabelIndex, Steps).ToArray());
            var gradientTimesDelta = runner.Run(feeds, [ExplainGraphNames.GradientTimesDelta])[ExplainGraphNames.GradientTimesDelta].ToArray<float>();

            var words = new double[alignment.Words.Count];
            for (int k = 0; k < Steps; k++)
                for (int t = 0; t < length; t++)
                    if (alignment.WordOfToken[t] is var w and >= 0) words[w] += weights[k] * gradientTimesDelta[k * length + t];
            for (int w = 0; w < words.Length; w++)
                Assert.Equal(words[w], explanation.Words[w].Attribution, 1e-4 + 1e-3 * Math.Abs(words[w]));
        }
    }

    [Fact]
    public void WordsCarryTheirCharacterOffsetsInTheOriginalText()
    {
        using var classifier = TextClassifier.Load(_model.ModelDirectory);
        const string text = "  The MOVIE was terrible,never again!";
        var explanation = classifier.Explain(text, new ExplainOptions { Steps = 2 });
        Assert.Equal(["The", "MOVIE", "was", "terrible", ",", "never", "again", "!"], explanation.Words.Select(w => w.Text).ToArray());
        Assert.All(explanation.Words, w => Assert.Equal(w.Text, text.Substring(w.Start, w.Length)));
        Assert.Equal(2, explanation.Words[0].Start);
        Assert.False(explanation.Truncated);
    }

    /// <summary>A text the tokenizer makes no token of was explained as [CLS] [SEP], with no words; it is refused as Predict refuses it.</summary>
    [Fact]
    public void ATextThatMakesNoTokenIsRefusedAsPredictRefusesIt()
    {
        using var classifier = TextClassifier.Load(_model.ModelDirectory);
        Assert.Equal("text has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)",
            Assert.Throws<UserInputException>(() => classifier.Explain("\u200B", new ExplainOptions { Steps = 2 })).Message);
        Assert.Equal("texts[1] has nothing to classify: it is empty",
            Assert.Throws<UserInputException>(() => classifier.ExplainBatch(["good", ""], new ExplainOptions { Steps = 2 })).Message);
    }

    [Fact]
    public void WordByWordPiecesAreThePiecesOfTheWholeText()
    {
        foreach (var text in Texts.Append("Zebras quickly, (really) boring!! 1990's café"))
            Assert.Equal(_model.Encoder.Encode(text), WordPieceAlignment.Align(_model.Encoder, text).TokenIds);
    }

    [Fact]
    public void AModelWithoutExplainOnnxIsToldByWhatItsExportWrote()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        Assert.Equal(OrtAgent.Training.Checkpoints.WrittenFilesManifest.FileName, IntegratedGradientsSession.WrittenFilesManifestFile);
        string Cause()
        {
            using var model = TextClassifier.Load(directory);
            return Assert.Throws<ExplainGraphUnavailableException>(() => model.Explain("good")).Problem;
        }

        File.Delete(Path.Combine(directory, ModelContract.ExplainModelFile));
        Assert.Equal($"{directory}: no explain.onnx (it was removed after the model was exported)", Cause());
        // No list: an export from before explanations, which wrote neither.
        File.Delete(Path.Combine(directory, IntegratedGradientsSession.WrittenFilesManifestFile));
        Assert.Equal($"{directory}: no explain.onnx (models exported before explanations lack it)", Cause());
    }

    [Fact]
    public void ExplainGraphCanBeAddedToAModelExportedWithoutOne()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32, WriteExplainGraph = false }, directory);
        Assert.False(File.Exists(Path.Combine(directory, ModelContract.ExplainModelFile)));
        using (var without = TextClassifier.Load(directory))
        {
            Assert.False(without.CanExplain);
            // The way out in the libraries' terms; the command line names its own command from the remedy.
            var error = Assert.Throws<ExplainGraphUnavailableException>(() => without.Explain("good"));
            Assert.Equal(ExplainGraphRemedy.Add, error.Remedy);
            Assert.Equal(directory, error.ModelDirectory);
            // The export's list of the files it wrote tells a graph left out from a model older than explanations.
            Assert.Equal($"{directory}: no explain.onnx (the model was exported without explanations, ExportOptions.WriteExplainGraph = false); " +
                $"add it with ModelExporter.AddExplainGraph (OrtAgent.Training) on {directory}", error.Message);
        }
        using var loadedBefore = TextClassifier.Load(directory);
        ModelExporter.AddExplainGraph(directory);
        using var with = TextClassifier.Load(directory);
        using var reference = TextClassifier.Load(_model.ModelDirectory);
        var a = with.Explain(Texts[0], new ExplainOptions { Steps = 4 });
        var b = reference.Explain(Texts[0], new ExplainOptions { Steps = 4 });
        Assert.Equal(b.Words.Select(w => w.Attribution), a.Words.Select(w => w.Attribution), (x, y) => Math.Abs(x - y) < 1e-5);
        // A classifier loaded before the graph was added explains with it too: the model beside it is the one it loaded.
        Assert.Equal(a.Words.Select(w => w.Attribution), loadedBefore.Explain(Texts[0], new ExplainOptions { Steps = 4 }).Words.Select(w => w.Attribution));
    }

    /// <summary>
    /// A model replaced by one exported without explain.onnx: the refusal said the directory's explain.onnx "belongs to
    /// the new model", naming a file that was not there. It says the loaded model's graph went with it.
    /// </summary>
    [Fact]
    public void AModelReplacedByOneWithoutAnExplainGraphIsRefusedSayingSo()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        using var loaded = TextClassifier.Load(directory);

        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32, WriteExplainGraph = false }, directory);

        Assert.False(File.Exists(Path.Combine(directory, ModelContract.ExplainModelFile)));
        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
        Assert.StartsWith($"{directory}: the model there was replaced since this one was loaded, so this one's explain.onnx is gone with it (the new model has none)", error.Message);
    }

    /// <summary>
    /// explain.onnx is opened on first use, by path. After a new model was exported into the directory (a server not yet
    /// reloaded), it was the new model's graph explained with the loaded model's labels and vocabulary: /predict and
    /// /explain answered for two different models. It is now refused, saying to load the model again.
    /// </summary>
    [Fact]
    public void AClassifierWhoseDirectoryWasReExportedRefusesToExplainWithTheNewGraph()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        using var loaded = TextClassifier.Load(directory);
        var prediction = loaded.Predict(Texts[0]);

        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);

        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
        Assert.Contains("was replaced since this one was loaded", error.Message);
        Assert.False(error.Removed);
        // The remedy in the library's terms; a server names its own reload.
        Assert.EndsWith("; load the model again (a new TextClassifier from TextClassifier.Load) to use the new one", error.Message);
        Assert.DoesNotContain("/admin/reload", error.Message);
        Assert.Equal(directory, error.ModelDirectory);
        Assert.Equal(prediction.Probabilities, loaded.Predict(Texts[0]).Probabilities);
        using var reloaded = TextClassifier.Load(directory);
        Assert.NotEmpty(reloaded.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words);
    }

    /// <summary>
    /// A classifier whose explain.onnx was checked at load (as a server does) and another model exported into its folder
    /// (renamed into place) before its first explanation: it was refused as replaced, though it still predicted, so a
    /// server's explanations broke from the moment a new model landed until its reload. The graph checked is held open,
    /// and explains the loaded model; the classifier's own predictions and the reference model agree with it.
    /// </summary>
    [Fact]
    public void AClassifierCheckedAtLoadExplainsItselfAfterAnotherModelIsExportedIntoItsFolder()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        using var loaded = TextClassifier.Load(directory);
        loaded.CheckExplainer();

        ModelExporter.Export(_model.Artifacts, _model.Parameters.Select(p => p.Key == "classifier.weight"
            ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => -x).ToArray()))
            : p).ToList(), new ExportOptions { MaxLength = 32 }, directory);

        var explained = loaded.Explain(Texts[0], new ExplainOptions { Steps = 2 });
        using var reference = TextClassifier.Load(_model.ModelDirectory);
        var expected = reference.Explain(Texts[0], new ExplainOptions { Steps = 2 });
        Assert.Equal(expected.Words.Select(w => w.Attribution), explained.Words.Select(w => w.Attribution), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal(loaded.Predict(Texts[0]).Label, explained.PredictedLabel);
    }

    /// <summary>This model with its classifier's weights negated, exported to a new folder: another model, with the same inputs and labels.</summary>
    private string ExportAnotherModelWithTheSameLabels()
    {
        var other = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters.Select(p => p.Key == "classifier.weight"
            ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => -x).ToArray()))
            : p).ToList(), new ExportOptions { MaxLength = 32 }, other);
        return other;
    }

    /// <summary>
    /// CheckExplainer, asked once, kept the loaded model's digest; after another model (model.onnx and explain.onnx)
    /// replaced the folder's, it compared the new explain.onnx with that digest and said "explains another model; rebuild
    /// it", a remedy for a file that is fine, where Explain says the model was replaced and to load it again.
    /// </summary>
    [Fact]
    public void CheckExplainerAfterTheFoldersModelWasReplacedSaysSoAsExplainDoes()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        var other = ExportAnotherModelWithTheSameLabels();
        using var loaded = TextClassifier.Load(directory);
        loaded.CheckExplainer();

        foreach (var file in new[] { ModelContract.ModelFile, ModelContract.ExplainModelFile })
            File.Copy(Path.Combine(other, file), Path.Combine(directory, file), overwrite: true);

        var checkError = Assert.Throws<ModelReplacedException>(loaded.CheckExplainer);
        var explainError = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
        Assert.Equal(explainError.Message, checkError.Message);
    }

    /// <summary>
    /// Another model's model.onnx copied over this one's ("update by copying model.onnx"): same inputs, same labels, so
    /// the old explain.onnx was used, and explanations described the model that had been there while predictions came
    /// from the copied one. explain.onnx now records the bytes of the model.onnx it was built beside.
    /// </summary>
    [Fact]
    public void AnExplainGraphBesideAnotherModelWithTheSameLabelsIsRefusedUntilRebuilt()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        var other = ExportAnotherModelWithTheSameLabels();
        File.Copy(Path.Combine(other, ModelContract.ModelFile), Path.Combine(directory, ModelContract.ModelFile), overwrite: true);

        using (var copied = TextClassifier.Load(directory))
        {
            var error = Assert.Throws<ExplainGraphUnavailableException>(() => copied.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
            Assert.Equal(ExplainGraphRemedy.Rebuild, error.Remedy);
            Assert.StartsWith($"{Path.Combine(directory, ModelContract.ExplainModelFile)}: explains another model (it was built beside a model.onnx with SHA-256 ", error.Message);
            Assert.EndsWith($"; rebuild it with ModelExporter.AddExplainGraph (OrtAgent.Training) on {directory}", error.Message);
            // A server checks at load what its first explanation would meet.
            Assert.Throws<ExplainGraphUnavailableException>(copied.CheckExplainer);
        }

        ModelExporter.AddExplainGraph(directory);
        using var rebuilt = TextClassifier.Load(directory);
        using var reference = TextClassifier.Load(other);
        Assert.Equal(reference.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words.Select(w => w.Attribution),
            rebuilt.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words.Select(w => w.Attribution), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    /// <summary>
    /// A model saved with external data keeps its weights in model.onnx.data; model.onnx holds names, shapes and offsets
    /// only, so two models of the same shape have the same model.onnx. explain.onnx recorded the digest of model.onnx
    /// alone, and another model's data file copied over this one's kept the old explain graph, which then explained the
    /// old weights while predictions came from the new ones. The record now covers the data file too.
    /// </summary>
    [Fact]
    public void AnExplainGraphBesideAnotherModelsExternalDataIsRefusedUntilRebuilt()
    {
        // Every weight external, the classifier's small one too; shape constants stay inline, where shape inference reads them.
        var external = new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 128 };
        string ExportWithExternalData(IReadOnlyList<KeyValuePair<string, TensorData>> parameters)
        {
            var directory = _model.NewFolder();
            ModelExporter.Export(_model.Artifacts, parameters, new ExportOptions { MaxLength = 32 }, directory);
            var modelPath = Path.Combine(directory, ModelContract.ModelFile);
            OnnxModel.Load(modelPath).Save(modelPath, external);
            ModelExporter.AddExplainGraph(directory);
            return directory;
        }
        var directory = ExportWithExternalData(_model.Parameters);
        var other = ExportWithExternalData(_model.Parameters.Select(p => p.Key == "classifier.weight"
            ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => -x).ToArray()))
            : p).ToList());
        Assert.Equal(File.ReadAllBytes(Path.Combine(other, ModelContract.ModelFile)), File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFile)));
        using (var own = TextClassifier.Load(directory))
            Assert.NotEmpty(own.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words);

        var dataFile = ModelContract.ModelFile + ".data";
        File.Copy(Path.Combine(other, dataFile), Path.Combine(directory, dataFile), overwrite: true);

        using (var copied = TextClassifier.Load(directory))
        {
            var error = Assert.Throws<ExplainGraphUnavailableException>(() => copied.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
            Assert.StartsWith($"{Path.Combine(directory, ModelContract.ExplainModelFile)}: explains another model", error.Message);
        }
        ModelExporter.AddExplainGraph(directory);
        using var rebuilt = TextClassifier.Load(directory);
        using var reference = TextClassifier.Load(other);
        Assert.Equal(reference.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words.Select(w => w.Attribution),
            rebuilt.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words.Select(w => w.Attribution), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    /// <summary>
    /// An explain.onnx that keeps its own weights in explain.onnx.data (as a large model's does) explains as the inline
    /// one does, and, once opened, from a copy of that file: written over in place, or cut short, the explanations stay
    /// the same, where ONNX Runtime's mapping of the file would have read the new bytes, or died of SIGBUS.
    /// </summary>
    [UnixFact("Windows refuses a write to a file that a loaded model maps")]
    public void AnExplainGraphWithExternalDataExplainsAndKeepsItsWeightsWhenTheFileIsWrittenOver()
    {
        var external = new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 128 };
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        var modelPath = Path.Combine(directory, ModelContract.ModelFile);
        OnnxModel.Load(modelPath).Save(modelPath, external);
        ModelExporter.AddExplainGraph(directory);
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        OnnxModel.Load(explainPath).Save(explainPath, external);
        var explainData = explainPath + ".data";
        Assert.True(new FileInfo(explainData).Length > 0);

        using var classifier = TextClassifier.Load(directory);
        using var inline = TextClassifier.Load(_model.ModelDirectory);
        var options = new ExplainOptions { Steps = 2 };
        var explained = classifier.Explain(Texts[0], options).Words.Select(w => w.Attribution).ToArray();
        Assert.Equal(inline.Explain(Texts[0], options).Words.Select(w => w.Attribution), explained, (x, y) => Math.Abs(x - y) < 1e-5);

        using (var data = new FileStream(explainData, FileMode.Open, FileAccess.Write))
            data.Write(new byte[data.Length]);
        Assert.Equal(explained, classifier.Explain(Texts[0], options).Words.Select(w => w.Attribution));

        new FileStream(explainData, FileMode.Truncate, FileAccess.Write).Dispose();
        Assert.Equal(explained, classifier.Explain(Texts[0], options).Words.Select(w => w.Attribution));
    }

    /// <summary>
    /// An export whose explain.onnx keeps its weights in explain.onnx.data (a graph over 1.8 GB; the limit is lowered
    /// here) records the SHA-256 of that file beside the model's, and explains as the inline graph does.
    /// </summary>
    [Fact]
    public void AnExplainGraphExportedWithItsOwnDataFileRecordsItsDigestAndExplainsAsTheInlineOneDoes()
    {
        var directory = ExportWithExplainData(_model.Parameters);
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        var data = File.ReadAllBytes(explainPath + ".data");
        Assert.True(data.Length > 0);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)),
            OnnxModel.ReadMetadata(explainPath)[ExplainGraphNames.ExternalDataDigestMetadata]);

        using var classifier = TextClassifier.Load(directory);
        classifier.CheckExplainer();
        using var inline = TextClassifier.Load(_model.ModelDirectory);
        var options = new ExplainOptions { Steps = 2 };
        Assert.Equal(inline.Explain(Texts[0], options).Words.Select(w => w.Attribution), classifier.Explain(Texts[0], options).Words.Select(w => w.Attribution),
            (x, y) => Math.Abs(x - y) < 1e-5);

        // Added to a model exported without it, the graph records its data file the same way.
        File.Delete(explainPath);
        File.Delete(explainPath + ".data");
        ModelExporter.AddExplainGraph(directory, inlineLimitBytes: 0);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(explainPath + ".data"))),
            OnnxModel.ReadMetadata(explainPath)[ExplainGraphNames.ExternalDataDigestMetadata]);
    }

    /// <summary>
    /// explain.onnx with its own data file holds only names, shapes and offsets, so another model's explain.onnx.data of
    /// the same size, copied over this one's as <c>cp -p</c> does (its write time kept), was read without a check:
    /// explanations came from the other model's weights while predictions came from this one's. The data file's digest,
    /// recorded at export, now refuses it, naming it, both to a classifier loaded after the copy and to one that checked
    /// the graph before it.
    /// </summary>
    [Fact]
    public void AnotherModelsExplainDataCopiedOverTheGraphsOwnIsRefused()
    {
        var directory = ExportWithExplainData(_model.Parameters);
        var other = ExportWithExplainData(AnotherModel());
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        var dataPath = explainPath + ".data";
        var otherData = Path.Combine(other, ModelContract.ExplainModelFile + ".data");
        Assert.Equal(new FileInfo(otherData).Length, new FileInfo(dataPath).Length);
        Assert.NotEqual(File.ReadAllBytes(otherData), File.ReadAllBytes(dataPath));
        using var checkedBefore = TextClassifier.Load(directory);
        checkedBefore.CheckExplainer();

        File.Copy(otherData, dataPath, overwrite: true);
        File.SetLastWriteTimeUtc(dataPath, File.GetLastWriteTimeUtc(otherData));

        using var loadedAfter = TextClassifier.Load(directory);
        foreach (var classifier in new[] { loadedAfter, checkedBefore })
        {
            var error = Assert.Throws<ExplainGraphUnavailableException>(() => classifier.Explain(Texts[0], new ExplainOptions { Steps = 2 }));
            Assert.StartsWith($"{dataPath}: holds other weights than {explainPath} was exported with (SHA-256 ", error.Problem);
            Assert.EndsWith("…), so it explains another model", error.Problem);
            Assert.Equal(ExplainGraphRemedy.Rebuild, error.Remedy);
        }
        // A server checks at load what its first explanation would meet.
        Assert.Throws<ExplainGraphUnavailableException>(loadedAfter.CheckExplainer);
        // Predictions are the copied-over model's own, untouched.
        Assert.NotEmpty(loadedAfter.Predict(Texts[0]).Probabilities);
    }

    /// <summary>
    /// A served model's explain.onnx.data is held open from the check at load, as explain.onnx is: another model's data
    /// file renamed over it afterwards (a deployment's rename) is not the one its explanations read. It was opened by path.
    /// </summary>
    [UnixFact("a graph with its own data file is pinned on Linux and macOS only")]
    public void AServedModelsExplainDataRenamedOverAfterTheCheckIsNotTheOneRead()
    {
        var directory = ExportWithExplainData(_model.Parameters);
        var other = ExportWithExplainData(AnotherModel());
        using var classifier = TextClassifier.Load(directory);
        classifier.CheckExplainer();

        File.Move(Path.Combine(other, ModelContract.ExplainModelFile + ".data"), Path.Combine(directory, ModelContract.ExplainModelFile + ".data"), overwrite: true);

        using var inline = TextClassifier.Load(_model.ModelDirectory);
        var options = new ExplainOptions { Steps = 2 };
        Assert.Equal(inline.Explain(Texts[0], options).Words.Select(w => w.Attribution), classifier.Explain(Texts[0], options).Words.Select(w => w.Attribution),
            (x, y) => Math.Abs(x - y) < 1e-5);
    }

    // An export of `parameters` whose explain.onnx keeps every weight over 1 KB in explain.onnx.data, as one over 1.8 GB does.
    private string ExportWithExplainData(IReadOnlyList<KeyValuePair<string, TensorData>> parameters)
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, parameters, new ExportOptions { MaxLength = 32, ExplainGraphInlineLimitBytes = 0 }, directory);
        Assert.True(File.Exists(Path.Combine(directory, ModelContract.ExplainModelFile + ".data")));
        return directory;
    }

    // Another model of the same shape: the fixture's parameters with the word embeddings, which explain.onnx.data holds
    // (the classifier's few weights stay inline), scaled down.
    private List<KeyValuePair<string, TensorData>> AnotherModel() => _model.Parameters.Select(p => p.Key.EndsWith("word_embeddings.weight", StringComparison.Ordinal)
        ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => 0.5f * x).ToArray()))
        : p).ToList();

    /// <summary>An explain.onnx written before the record existed cannot be checked, and is used as it was.</summary>
    [Fact]
    public void AnExplainGraphWithoutTheModelRecordExplainsAsBefore()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        var explain = OnnxModel.Load(explainPath);
        Assert.Equal(64, explain.Metadata[ExplainGraphNames.ModelDigestMetadata].Length);
        Assert.True(explain.Metadata.Remove(ExplainGraphNames.ModelDigestMetadata));
        explain.Save(explainPath);

        using var classifier = TextClassifier.Load(directory);
        classifier.CheckExplainer();
        Assert.NotEmpty(classifier.Explain(Texts[0], new ExplainOptions { Steps = 2 }).Words);
    }

    /// <summary>
    /// A truncated or overwritten explain.onnx was the base ModelLoadException with ONNX Runtime's parser's words
    /// ("Protobuf parsing failed"), which Explain's documentation does not list, and no way out.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADamagedExplainGraphIsUnavailableSayingHowToRebuildIt(bool int8)
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32, QuantizeInt8 = int8 }, directory);
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        var whole = File.ReadAllBytes(explainPath);
        using var classifier = TextClassifier.Load(directory);
        foreach (var damaged in new[] { "junk\n"u8.ToArray(), whole[..(whole.Length / 2)] })
        {
            File.WriteAllBytes(explainPath, damaged);

            var error = Assert.Throws<ExplainGraphUnavailableException>(() => classifier.Explain(Texts[0], new ExplainOptions { Steps = 2 }));

            Assert.Equal($"{explainPath}: is not a whole ONNX model (cut short or overwritten), so it cannot be read", error.Problem);
            // An int8 model has no fp32 weights to rebuild it from: only its checkpoint gives them.
            Assert.Equal(int8 ? ExplainGraphRemedy.ExportAgainFromCheckpoint : ExplainGraphRemedy.Rebuild, error.Remedy);
            Assert.DoesNotContain("Protobuf", error.Message);
        }
        if (int8)
        {
            var refused = Assert.Throws<ExplainGraphUnavailableException>(() => ModelExporter.AddExplainGraph(directory));
            Assert.Equal(ExplainGraphRemedy.ExportAgainFromCheckpoint, refused.Remedy);
            Assert.StartsWith($"{explainPath}: is not a whole ONNX model (cut short or overwritten), and ", refused.Message);
        }
    }

    /// <summary>
    /// An explain.onnx whose bytes parse but that ONNX Runtime declines (here an IR version from its future) is no damaged
    /// file: it was told to be rebuilt, as a cut-short one is, which need not help; it is the plain load failure it was.
    /// </summary>
    [Fact]
    public void AnExplainGraphOnnxRuntimeDeclinesIsALoadFailureNotARebuild()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        var explain = OnnxModel.Load(explainPath);
        explain.IrVersion = 99;
        File.Delete(explainPath);
        explain.Save(explainPath);
        using var classifier = TextClassifier.Load(directory);

        var error = Assert.Throws<ModelLoadException>(() => classifier.Explain(Texts[0], new ExplainOptions { Steps = 2 }));

        Assert.IsNotType<ExplainGraphUnavailableException>(error);
        Assert.StartsWith($"{explainPath}: ONNX Runtime cannot load it: ", error.Message);
    }

    /// <summary>
    /// The served model's directory deleted: the first explanation said the model "was replaced since this one was
    /// loaded", and to load it again "to use the new one", of a model that is gone.
    /// </summary>
    [Fact]
    public void AClassifierWhoseDirectoryWasDeletedSaysSoWhenAskedToExplain()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32 }, directory);
        using var loaded = TextClassifier.Load(directory);
        Directory.Delete(directory, recursive: true);

        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Texts[0], new ExplainOptions { Steps = 2 }));

        Assert.True(error.Removed);
        Assert.Equal($"{directory}: the model there was deleted or moved since this one was loaded (no model.onnx there now), so there is no explain.onnx of it to read",
            error.Problem);
        Assert.DoesNotContain("new one", error.Message);
        Assert.NotEmpty(loaded.Predict(Texts[0]).Probabilities);
    }

    [Fact]
    public void Int8ExportsKeepAnFp32ExplainGraphAndAddingOneToThemIsRefused()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32, QuantizeInt8 = true }, directory);
        var explain = OnnxModel.Load(Path.Combine(directory, ModelContract.ExplainModelFile));
        Assert.DoesNotContain(explain.Graph.Nodes, n => n.Domain == "com.microsoft");
        using (var classifier = TextClassifier.Load(directory))
            Assert.NotEmpty(classifier.Explain("good", new ExplainOptions { Steps = 2 }).Words);
        // With its explain.onnx there, asking for one says it explains the model already (it said to re-export).
        var present = Assert.Throws<UserInputException>(() => ModelExporter.AddExplainGraph(directory));
        Assert.Contains("the one beside it, written from the fp32 weights at export, explains it already", present.Message);
        // One that cannot be read (held by another opener here) escaped unwrapped, an IOException the CLI called an internal error.
        var explainPath = Path.Combine(directory, ModelContract.ExplainModelFile);
        using (new FileStream(explainPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var unreadable = Assert.Throws<UserInputException>(() => ModelExporter.AddExplainGraph(directory));
            Assert.StartsWith($"{explainPath}: cannot be read (", unreadable.Message);
        }
        File.Delete(explainPath);
        // Without it, the way out is the export from the checkpoint, typed so that a host can name its own command for it.
        var error = Assert.Throws<ExplainGraphUnavailableException>(() => ModelExporter.AddExplainGraph(directory));
        Assert.Equal(ExplainGraphRemedy.ExportAgainFromCheckpoint, error.Remedy);
        Assert.Contains("re-export it from its checkpoint", error.Message);
    }

    /// <summary>A null directory was an ArgumentNullException naming Path.Combine's 'path1', no parameter of this method.</summary>
    [Fact]
    public void ANullOrEmptyDirectoryIsAnArgumentErrorNamingIt()
    {
        Assert.Equal("modelDirectory", Assert.Throws<ArgumentNullException>(() => ModelExporter.AddExplainGraph(null!)).ParamName);
        Assert.Equal("modelDirectory", Assert.Throws<ArgumentException>(() => ModelExporter.AddExplainGraph("")).ParamName);
    }

    /// <summary>Ctrl+C during an export was ignored and the old model replaced: a cancelled export leaves the old one and nothing else.</summary>
    [Fact]
    public void ACancelledExportLeavesTheModelThatWasThereAndNoTemporaries()
    {
        var directory = _model.NewFolder();
        ModelExporter.Export(_model.Artifacts, _model.Parameters, new ExportOptions { MaxLength = 32, WriteExplainGraph = false }, directory);
        var before = File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFile));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => ModelExporter.Export(_model.Artifacts, _model.Parameters,
            new ExportOptions { MaxLength = 16, QuantizeInt8 = true }, directory, cancelled.Token));

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFile)));
        Assert.Equal([directory], Directory.GetDirectories(Path.GetDirectoryName(directory)!).Where(d => d.StartsWith(directory, StringComparison.Ordinal)));
    }

    private static long[] Repeat(IEnumerable<long> row, int times)
    {
        var one = row.ToArray();
        return Enumerable.Range(0, times).SelectMany(_ => one).ToArray();
    }

    /// <summary>A tiny BERT with labels neg/neu/pos, its artifacts, and the untrained checkpoint (head scaled up) exported.</summary>
    public sealed class TinyExplainedModel : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("ortagent-explain-").FullName;

        public TinyExplainedModel()
        {
            var baseModel = Path.Combine(_root, "base");
            TinyBertBuilder.WriteBaseModel(baseModel, new TinyBertOptions { Hidden = 32, Heads = 4, Intermediate = 64 });
            Artifacts = TrainingArtifacts.Generate(
                new TrainingArtifactsOptions { BaseModel = baseModel, NumLabels = 3, Labels = ["neg", "neu", "pos"] }, Path.Combine(_root, "artifacts"));
            // Scaled head weights make the logits differ between texts instead of hovering at zero.
            Parameters = SafeTensorsReader.Read(Artifacts.ModelCheckpointPath).Tensors
                .Select(p => p.Key == "classifier.weight"
                    ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => x * 100f).ToArray()))
                    : p)
                .ToList();
            ModelDirectory = Path.Combine(_root, "model");
            ModelExporter.Export(Artifacts, Parameters, new ExportOptions { MaxLength = 32, BaseModelName = "tiny-bert" }, ModelDirectory);
            Encoder = Runtime.Text.BertTextEncoder.Create(Path.Combine(ModelDirectory, "vocab.txt"), new Runtime.Text.BertTextEncoderOptions { MaxLength = 32 });
            WordEmbeddings = Parameters.First(p => p.Key.EndsWith("word_embeddings.weight", StringComparison.Ordinal)).Value;
        }

        public TrainingArtifacts Artifacts { get; }

        public IReadOnlyList<KeyValuePair<string, TensorData>> Parameters { get; }

        public string ModelDirectory { get; }

        public Runtime.Text.BertTextEncoder Encoder { get; }

        public TensorData WordEmbeddings { get; }

        public string NewFolder() => Path.Combine(_root, Guid.NewGuid().ToString("N"));

        /// <summary>model.onnx with the word-embedding lookup's output turned into an input <c>word_embeddings</c>.</summary>
        internal OnnxRunner ForwardFromWordEmbeddings()
        {
            var model = OnnxModel.Load(Path.Combine(ModelDirectory, "model.onnx"));
            var g = model.Graph;
            var lookup = g.Nodes.Single(n => n.OpType == "Gather" && n.Inputs[0]!.Name.EndsWith("word_embeddings.weight", StringComparison.Ordinal));
            var fed = g.AddInput("word_embeddings", ElementType.Float, [Dim.Symbolic("batch"), Dim.Symbolic("sequence"), Dim.Known(WordEmbeddings.Dims[1])]);
            g.ReplaceAllUses(lookup.Outputs[0], fed);
            g.RemoveNode(lookup);
            g.RemoveUnused();
            return OnnxRunner.FromModel(model);
        }

        /// <summary>Logits <c>[rows, 3]</c> of <paramref name="embeddings"/> (<c>[rows, tokens, hidden]</c>) for one token sequence.</summary>
        internal float[] RunForward(OnnxRunner forward, int[] tokens, float[] embeddings, int rows)
        {
            long[] shape = [rows, tokens.Length];
            var feeds = new Dictionary<string, TensorData>
            {
                ["word_embeddings"] = TensorData.Create<float>([rows, tokens.Length, WordEmbeddings.Dims[1]], embeddings),
                ["attention_mask"] = TensorData.Create<long>(shape, Enumerable.Repeat(1L, rows * tokens.Length).ToArray()),
            };
            var inputs = forward.Session.InputMetadata;
            if (inputs.ContainsKey("input_ids"))
                feeds["input_ids"] = TensorData.Create<long>(shape, Enumerable.Range(0, rows).SelectMany(_ => tokens.Select(t => (long)t)).ToArray());
            if (inputs.ContainsKey("token_type_ids")) feeds["token_type_ids"] = TensorData.Create<long>(shape, new long[rows * tokens.Length]);
            return forward.Run(feeds, ["logits"])["logits"].ToArray<float>();
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
