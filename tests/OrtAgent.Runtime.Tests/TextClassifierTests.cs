using OrtAgent.Tests.Serving;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// <see cref="TextClassifier"/> on the toy bag-of-words classifier, whose answers follow from its word table: the logits
/// are the mean, over every token including [CLS] and [SEP], of the scoring words' pushes (6 towards their label).
/// </summary>
public sealed class TextClassifierTests : IDisposable
{
    private readonly TempDirectory _directory = new("classifier");

    public TextClassifierTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A run's artifacts directory (marked by any one of its graphs, its checkpoint or its setup marker) is said to be one,
    /// with the export that makes a model of it; any other directory without model.onnx only lacks it.
    /// </summary>
    [Theory]
    [InlineData("training_model.onnx")]
    [InlineData("eval_model.onnx")]
    [InlineData("optimizer_model.onnx")]
    [InlineData("setting-up")]
    [InlineData("checkpoint/properties.json")]
    public void LoadingARunsArtifactsSaysWhatTheyAreAndHowToExportAModel(string mark)
    {
        var artifacts = _directory.Combine("artifacts");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(artifacts, mark))!);
        File.WriteAllText(Path.Combine(artifacts, mark), "x");

        var refused = Assert.Throws<TrainingArtifactsNotAModelException>(() => TextClassifier.Load(artifacts));

        Assert.Equal($"{artifacts}: no model.onnx in the model directory: this is a training run's artifacts, not a model; "
            + "export a model from its checkpoint (ModelExporter.Export, in OrtAgent.Training) and load that", refused.Message);
        Assert.Equal(artifacts, refused.ArtifactsDirectory);
    }

    [Fact]
    public void LoadingADirectoryWithoutAModelSaysOnlyThat()
    {
        var other = _directory.Combine("other");
        Directory.CreateDirectory(Path.Combine(other, "checkpoint"));

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(other));

        Assert.Equal($"{other}: no model.onnx in the model directory", refused.Message);
    }

    [Fact]
    public void LoadReadsLabelsCasingAndMaxLengthFromTheModel()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal(["negative", "positive"], classifier.Labels);
        Assert.Equal(32, classifier.Info.MaxLength);
        Assert.True(classifier.Info.LowerCase);
        Assert.Equal("toy-bag-of-words", classifier.Info.BaseModel);
        Assert.Equal(_directory.Path, classifier.Directory);
    }

    /// <summary>
    /// Texts are cut at <see cref="TextClassifierOptions.MaxLength"/> where it is set, and Info says so: it said the
    /// model's 32 while texts were cut at 6, and a caller sizing texts by it sent ones cut short without knowing.
    /// </summary>
    [Fact]
    public void InfoSaysTheMaxLengthTheOptionAppliesAndKeepsTheModelsOwn()
    {
        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 6 });

        Assert.Equal(6, classifier.Info.MaxLength);
        Assert.Equal(32, classifier.Info.ModelMaxLength);
        Assert.Equal(6, classifier.Encoder.MaxLength);
        Assert.True(classifier.Predict("one two three four five").Truncated);

        using var unset = TextClassifier.Load(_directory.Path);
        Assert.Null(unset.Info.ModelMaxLength);
    }

    [Fact]
    public void PredictGivesTheSoftmaxOfTheMeanWordScores()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        // [CLS] the movie was great [SEP]: logits (0, 6/6) = (0, 1); softmax = (0.2689, 0.7311).
        var prediction = classifier.Predict("The movie was GREAT");

        Assert.Equal("positive", prediction.Label);
        Assert.Equal(0.7311f, prediction.Score, 4);
        Assert.Equal(0.2689f, prediction.Probabilities["negative"], 4);
        Assert.Equal(0f, prediction.Logits!["negative"]);
        Assert.Equal(1f, prediction.Logits["positive"], 5);
    }

    /// <summary>
    /// A text the tokenizer makes no token of was scored from [CLS] and [SEP] alone; it is refused, saying what it held.
    /// The toy vocabulary is uncased, so a lone accent is stripped to nothing as well.
    /// </summary>
    [Theory]
    [InlineData("\u200b", "texts[1] has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)")]
    [InlineData("\u0000 \u0007", "texts[1] has nothing to classify: it holds only control characters, which the tokenizer drops (U+0000, U+0007)")]
    [InlineData("\u00ad\u0301", "texts[1] has nothing to classify: it holds only combining-mark or format characters, which the tokenizer drops (U+00AD, U+0301)")]
    [InlineData(" ", "texts[1] has nothing to classify: it is only whitespace")]
    public void PredictBatchRefusesATextThatMakesNoToken(string text, string expected)
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        var refused = Assert.Throws<UserInputException>(() => classifier.PredictBatch(["great", text]));

        Assert.Equal(expected, refused.Message);
        Assert.Equal("positive", classifier.Predict("\u200bgreat\u00ad").Label);
        // One text is named as the caller passed it ("texts[0]" before: Predict handed it to PredictBatch).
        Assert.Equal(expected.Replace("texts[1]", "text"), Assert.Throws<UserInputException>(() => classifier.Predict(text)).Message);
    }

    [Fact]
    public void PredictBatchAnswersInTheGivenOrderAcrossChunks()
    {
        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxBatchSize = 2 });
        string[] texts = ["bad", "the film was really very good", "awful", "the plot was boring and the acting was terrible", "great"];

        var predictions = classifier.PredictBatch(texts);

        Assert.Equal(["negative", "positive", "negative", "negative", "positive"], predictions.Select(p => p.Label));
        // [CLS] bad [SEP]: logits (2, 0); the batch sorts texts by length, which must not change any answer.
        Assert.Equal(classifier.Predict("bad").Score, predictions[0].Score);
        Assert.Equal(1 / (1 + MathF.Exp(-2f)), predictions[0].Score, 4);
    }

    /// <summary>A disposed classifier refuses every call; it used to run on freed native sessions and crash the process.</summary>
    [Fact]
    public void ADisposedClassifierThrowsObjectDisposedAndDisposingTwiceIsHarmless()
    {
        var classifier = TextClassifier.Load(_directory.Path);
        classifier.Dispose();
        classifier.Dispose();

        Assert.Throws<ObjectDisposedException>(() => classifier.Predict("great"));
        Assert.Throws<ObjectDisposedException>(() => classifier.PredictBatch(["great", "awful"]));
        Assert.Throws<ObjectDisposedException>(() => classifier.Explain("great"));
    }

    /// <summary>Dispose waits for the calls in progress: each call on other threads returns its answer or ObjectDisposedException.</summary>
    [Fact]
    public async Task DisposingWhileOtherThreadsPredictEndsEachCallCleanly()
    {
        var classifier = TextClassifier.Load(_directory.Path);
        var texts = Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? "the movie was great" : "an awful film").ToArray();
        using var started = new CountdownEvent(4);
        // Threads of their own: blocking pool threads on 2 cores waits for the pool to grow.
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            started.Signal();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    Assert.Equal("positive", classifier.PredictBatch(texts)[0].Label);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
            Assert.Fail("the classifier was never disposed");
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.Run(() => started.Wait(TimeSpan.FromSeconds(30)));
        await Task.Delay(50);

        classifier.Dispose();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
    }

    // The lone half is put in by code: xUnit's theory data would turn it into U+FFFD on the way.
    [Theory]
    [InlineData("a ", 0xD800, " b", 2)]
    [InlineData("", 0xDC00, "", 0)]
    [InlineData("ok then ", 0xD83D, "", 8)]
    public void ATextHoldingHalfASurrogatePairIsAnArgumentError(string before, int half, string after, int at)
    {
        string text = before + (char)half + after;
        using var classifier = TextClassifier.Load(_directory.Path);

        var batch = Assert.Throws<ArgumentException>(() => classifier.PredictBatch(["fine", text]));
        Assert.StartsWith($"texts[1] is not valid Unicode: character {at} is half a surrogate pair", batch.Message);
        Assert.StartsWith($"text is not valid Unicode: character {at} ", Assert.Throws<ArgumentException>(() => classifier.Explain(text)).Message);
        // The one-text call names its own parameter (it said texts[0]); ExplainBatch names the text at fault.
        Assert.Equal("text", Assert.Throws<ArgumentException>(() => classifier.Predict(text)).ParamName);
        Assert.Equal($"texts[1]", Assert.Throws<ArgumentException>(() => classifier.ExplainBatch(["fine", text])).ParamName);
        Assert.Equal("positive", classifier.Predict("great \ud83d\ude00").Label);   // a whole pair (an emoji) is text
    }

    /// <summary>
    /// A null in a batch was classified (and explained) as the empty text, which Predict(null) and every front end
    /// refuse: it is the caller's bug, named by its index as a surrogate half is.
    /// </summary>
    [Fact]
    public void ANullTextInABatchIsAnArgumentNullErrorNamingItsIndex()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("texts[1]", Assert.Throws<ArgumentNullException>(() => classifier.PredictBatch(["fine", null!, "great"])).ParamName);
        Assert.Equal("texts[0]", Assert.Throws<ArgumentNullException>(() => classifier.ExplainBatch([null!, "fine"])).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => classifier.Predict(null!)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => classifier.Explain(null!)).ParamName);
    }

    /// <summary>A label the model lacks was a System.ArgumentException (Parameter 'options'), where every other ExplainOptions mistake names its property.</summary>
    [Theory]
    [InlineData("happy", "ExplainOptions.Label = 'happy': is not one of the model's labels: negative, positive")]
    [InlineData("", "ExplainOptions.Label = '': is empty; leave it null to explain the predicted label")]
    public void AnExplainLabelTheModelLacksIsAnInvalidOptionNamingIt(string label, string message)
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        var error = Assert.Throws<InvalidOptionException>(() => classifier.Explain("great", new ExplainOptions { Label = label }));

        Assert.Equal("ExplainOptions.Label", error.Option);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void AnEmptyBatchRunsNothing()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Empty(classifier.PredictBatch([]));
    }

    [Fact]
    public void ACancelledBatchThrows()
    {
        using var classifier = TextClassifier.Load(_directory.Path);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => classifier.PredictBatch(["good"], cancelled.Token));
    }

    [Fact]
    public void AMaxLengthOptionOverridesTheModelsAndCutsTheText()
    {
        // Two tokens leave room for [CLS] and [SEP] only: every text scores (0, 0).
        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 2 });

        Assert.Equal(0.5f, classifier.Predict("great great great").Score, 5);
    }

    /// <summary>
    /// A prediction says whether its text was cut: a text of exactly the room left beside [CLS] and [SEP] is whole, one
    /// token more is cut, whatever the text's place in the batch (texts are run sorted by length).
    /// </summary>
    [Fact]
    public void APredictionSaysWhetherItsTextWasCutAtTheMaxLength()
    {
        // Five tokens: [CLS], three of the text's, [SEP].
        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 5 });

        var predictions = classifier.PredictBatch(["great bad awful terrible", "great great great", "good", "bad", "good good good good good"]);

        Assert.Equal([true, false, false, false, true], predictions.Select(p => p.Truncated));
        // Cut after three tokens, the first text reads "great bad awful": negative.
        Assert.Equal("negative", predictions[0].Label);
    }

    /// <summary>Options that cannot work are the same typed error as every other library's options, naming the property.</summary>
    [Theory]
    [InlineData(0, null, "TextClassifierOptions.MaxBatchSize", "TextClassifierOptions.MaxBatchSize = 0: must be at least 1")]
    [InlineData(32, 1, "TextClassifierOptions.MaxLength", "TextClassifierOptions.MaxLength = 1: must be at least 2, to hold [CLS] and [SEP]")]
    public void AnOptionThatCannotWorkIsAnInvalidOptionNamingItsProperty(int maxBatchSize, int? maxLength, string option, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxBatchSize = maxBatchSize, MaxLength = maxLength }));

        Assert.Equal(option, error.Option);
        Assert.Equal(message, error.Message);
    }

    /// <summary>A session setting out of range is refused with the other options, before the directory is looked at.</summary>
    [Fact]
    public void ASessionSettingOutOfRangeIsRefusedBeforeTheModelIsRead()
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            TextClassifier.Load(Path.Combine(_directory.Path, "absent"), new TextClassifierOptions { Session = new OrtSessionSettings { IntraOpThreads = -1 } }));

        Assert.Equal("OrtSessionSettings.IntraOpThreads", error.Option);
    }

    /// <summary>Null settings are an option's mistake, as the docs promise of every option: it was an ArgumentNullException named after the property.</summary>
    [Fact]
    public void ANullSessionSettingIsAnInvalidOptionNamingIt()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { Session = null! }));

        Assert.Equal("TextClassifierOptions.Session", error.Option);
        Assert.Equal("TextClassifierOptions.Session = null: is required; leave it unset for the default settings", error.Message);
    }

    [Fact]
    public void AMissingDirectoryIsAModelLoadError()
    {
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Combine("absent")));

        Assert.Contains("model directory does not exist", error.Message);
    }

    /// <summary>
    /// A replace killed between its two renames leaves the model missing and the previous one beside it as
    /// NAME.replaced-PID; the loader said only that the directory does not exist, until the next write there put it
    /// back. It now says where the previous model is. A live writer's copy (a replace in progress) is not named.
    /// </summary>
    [Fact]
    public void AMissingDirectoryBesideAnInterruptedReplacesLeftoverSaysWhereThePreviousModelIs()
    {
        var model = _directory.Combine("model");
        System.IO.Directory.CreateDirectory($"{model}.replaced-{Environment.ProcessId}");
        Assert.Equal($"{model}: model directory does not exist", Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model)).Message);

        int gone;
        using (var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!)
        {
            exited.WaitForExit();
            gone = exited.Id;
        }
        var leftover = $"{model}.replaced-{gone}";
        ToyClassifierModel.Write(leftover, ToyClassifierModel.Sentiment);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model));

        Assert.Equal($"{model}: model directory does not exist; an interrupted replace left the previous model in {leftover}; write the model again or rename it back",
            error.Message);
    }

    /// <summary>
    /// In a container the writer and the loader are both process 1: the loader took a dead writer's leftover for a live
    /// one's because its id named a running process (the loader itself). Written before the loader started, it is named.
    /// </summary>
    [Fact]
    public void ALeftoverUnderTheLoadersOwnIdWrittenBeforeItStartedIsNamed()
    {
        var model = _directory.Combine("model");
        var leftover = $"{model}.replaced-{Environment.ProcessId}";
        ToyClassifierModel.Write(leftover, ToyClassifierModel.Sentiment);
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
            System.IO.Directory.SetLastWriteTimeUtc(leftover, self.StartTime.ToUniversalTime().AddHours(-1));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model));

        Assert.Equal($"{model}: model directory does not exist; an interrupted replace left the previous model in {leftover}; write the model again or rename it back",
            error.Message);
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("vocab.txt")]
    public void AMissingFileIsAModelLoadErrorNamingIt(string file)
    {
        File.Delete(_directory.Combine(file));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void AVocabularyLongerThanTheModelsEmbeddingTableIsAModelLoadError()
    {
        // Another model's vocab.txt: its extra words would reach ids the embedding table has no row for.
        File.AppendAllLines(_directory.Combine("vocab.txt"), Enumerable.Range(0, 40).Select(i => $"extra{i}"));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.StartsWith(_directory.Combine("vocab.txt"), error.Message);
        Assert.Contains("is it the vocabulary model.onnx was trained with?", error.Message);
    }

    [Fact]
    public void BlankLinesAtTheEndOfTheVocabularyAreNoTokens()
    {
        // Counted as ids, they made the load check run an id past the embedding table and refuse a model that works.
        File.AppendAllText(_directory.Combine("vocab.txt"), "\n\n");

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("The movie was GREAT").Label);
    }

    [Fact]
    public void AFileThatIsNotAModelIsAModelLoadErrorNamingIt()
    {
        File.WriteAllText(_directory.Combine("model.onnx"), "not an onnx model");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Contains(_directory.Combine("model.onnx"), error.Message);
    }
}
