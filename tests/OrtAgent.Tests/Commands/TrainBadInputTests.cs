using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>Every user mistake on <c>train</c>: one stderr line naming it, exit code 2, and nothing written.</summary>
public sealed class TrainBadInputTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private string Write(string name, string content)
    {
        var path = _work.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    private async Task AssertUserError(string expectedInMessage, params string[] extra)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, extra));
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expectedInMessage, line);
        Assert.DoesNotContain("   at ", run.Error);
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    /// <summary>
    /// The output folder is recorded as a line of the run's output.txt: a name holding a line break was read back as its
    /// first line, so <c>train --resume</c> exported over the model in that other folder without a word.
    /// </summary>
    [Fact]
    public Task AnOutputHoldingALineBreakIsRefusedBeforeAnythingIsWritten() => AssertUserError(
        ": holds a line break, which the run's record of where it exports (output.txt) cannot keep; name a folder without one",
        "--output", _work.Combine("models", "nl\nx"));

    /// <summary>data.txt keeps the data file's path as a line: a name holding a line break was read back cut on resume.</summary>
    [Fact]
    public Task ADataFileHoldingALineBreakIsRefusedBeforeAnythingIsWritten()
    {
        var data = _work.Combine("re\nviews.csv");
        File.Copy(tiny.TrainCsv, data);
        return AssertUserError(": holds a line break, which the run's record of its data (data.txt) cannot keep; rename the file", "--data", data);
    }

    /// <summary>
    /// A base folder whose vocab.txt cannot be read (its permissions; here a link to a file that is write-only even for
    /// root) is refused naming the folder and why: it was an internal error, "UnauthorizedAccessException: Access to the
    /// path ... is denied", exit 1.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ABaseWhoseVocabularyCannotBeReadIsRefused()
    {
        var baseModel = _work.Combine("unreadable-base");
        Directory.CreateDirectory(baseModel);
        File.Copy(Path.Combine(tiny.BaseModel, "model.onnx"), Path.Combine(baseModel, "model.onnx"));
        File.CreateSymbolicLink(Path.Combine(baseModel, "vocab.txt"), "/proc/sys/vm/drop_caches");
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--base", baseModel));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: base model directory '{baseModel}' cannot be read: Access to the path '{Path.Combine(baseModel, "vocab.txt")}' is denied.", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A base folder whose model.onnx or vocab.txt is a named pipe was read, and the run waited for a writer with nothing
    /// said (one SIGTERM did not end it); a vocab.txt that is a directory was "has no vocab.txt". Each is refused at once.
    /// </summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("vocab.txt", NotARegularFile.Fifo, "is not a regular file (a FIFO)")]
    [InlineData("model.onnx", NotARegularFile.Fifo, "is not a regular file (a FIFO)")]
    [InlineData("vocab.txt", NotARegularFile.Directory, "is a directory")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ABaseFileThatIsNotARegularFileIsRefusedAtOnce(string file, string kind, string said)
    {
        var baseModel = _work.Combine("special-base");
        Directory.CreateDirectory(baseModel);
        foreach (var copied in new[] { "model.onnx", "vocab.txt" }.Where(f => f != file))
            File.Copy(Path.Combine(tiny.BaseModel, copied), Path.Combine(baseModel, copied));
        using var special = NotARegularFile.Create(Path.Combine(baseModel, file), kind);
        var run = await Task.Run(() => CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--base", baseModel))).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: base model directory '{baseModel}': its {file} {said}; it must be a file", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A named pipe as --data or --validation was opened, and the run waited for a writer with nothing said after
    /// "Reading"; a directory was "a folder". Each is refused at once, in one line; bounded, as the build before waited forever.
    /// </summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("--data", NotARegularFile.Fifo)]
    [InlineData("--data", NotARegularFile.Directory)]
    [InlineData("--validation", NotARegularFile.Fifo)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ADataPathThatIsNotARegularFileIsRefusedAtOnce(string option, string kind)
    {
        using var path = NotARegularFile.Create(_work.Combine("examples.csv"), kind);

        // On a thread of its own: the run opens the file before its first await, and the build before waited there.
        await Task.Run(() => AssertUserError(path.Refusal, option, path.Path)).WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// A validation row of a lone accent: reading keeps it (a cased vocabulary reads it), and the uncased base's tokenizer
    /// drops it. It was trained on and evaluated as [CLS] [SEP], and a <c>--promote-to</c> run failed after training
    /// on "texts[2] has nothing to classify"; the row is refused before anything is built, by file, line and column.
    /// </summary>
    [Fact]
    public async Task ARowTheBasesTokenizerMakesNoTokenOfIsRefusedByLine()
    {
        var validation = Write("val.csv", "text,label\na good film,positive\n\u0301,negative\n");
        await AssertUserError($"{validation} line 3: text has nothing to classify (column 'text'): it holds only combining-mark characters, which the tokenizer drops (U+0301)",
            "--validation", validation);
    }

    /// <summary>
    /// A --max-length above the base's 64 positions is capped, as the library caps it; the library's observer was told,
    /// and the command line said nothing. Said before the data is read (here a row refused), in the library's words.
    /// </summary>
    [Fact]
    public async Task AMaxLengthAboveTheBasesPositionsIsSaidAsItIsCapped()
    {
        var validation = Write("val.csv", "text,label\na good film,positive\n\u0301,negative\n");
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--validation", validation, "--max-length", "100"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--max-length 100 is more than the 64 positions of the encoder trained: texts are cut at 64 tokens, [CLS] and [SEP] included.",
            run.Output.ReplaceLineEndings(" "));
    }

    /// <summary>
    /// Copies of one text, labelled a and b by turns: contrastive training refused them, standard fine-tuning built its
    /// artifacts and trained every step on one input. Refused in the same place and words, with nothing written.
    /// </summary>
    [Fact]
    public async Task CopiesOfOneTextAreRefusedForStandardTrainingAsForContrastive()
    {
        var data = Write("ident.csv", string.Join("\n", ["text,label", .. Enumerable.Range(0, 40).Select(i => $"the same text,{(i % 2 == 0 ? "a" : "b")}")]) + "\n");
        var validation = Write("val.csv", "text,label\nanother text,a\n");

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data, "--validation", validation, "--method", "standard"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {data}: its 40 training examples are copies of one text; standard fine-tuning learns what tells different texts apart, so add examples with other texts",
            Assert.Single(run.ErrorLinesBesideWarnings));
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
    }

    [Fact]
    public Task MissingDataFile() => AssertUserError("nope.csv", "--data", _work.Combine("nope.csv"));

    /// <summary>
    /// A new run on a packaged base extracted it into the models root before it looked at <c>--data</c>: a missing file or
    /// a column its header lacks cost that extraction (90 MB for minilm) and left the copy there. The data files' headers
    /// are checked with the destinations, before the base is resolved; so are their rows, as far as no tokenizer is needed
    /// (a file of no rows, of one label, a malformed row, an empty label were refused only after the extraction).
    /// </summary>
    [Theory]
    [InlineData("missing file")]
    [InlineData("missing column")]
    [InlineData("header only")]
    [InlineData("one label")]
    [InlineData("malformed row")]
    [InlineData("empty label")]
    [InlineData("header-only validation")]
    public async Task ABadDataFileIsRefusedBeforeThePackagedBaseIsExtracted(string mistake)
    {
        var store = _work.Combine("store");
        var data = mistake switch
        {
            "missing file" => _work.Combine("nope.csv"),
            "header only" => Write("data.csv", "text,label\n"),
            "one label" => Write("data.csv", "text,label\na good film,positive\na fine film,positive\n"),
            "malformed row" => Write("data.csv", "text,label\na good film,positive\n\"a bad film,negative\n"),
            "empty label" => Write("data.csv", "text,label\na good film,positive\na bad film,\n"),
            _ => Write("data.csv", "text,label\na good film,positive\na bad film,negative\n"),
        };
        string[] more = mistake switch
        {
            "missing column" => ["--text-column", "review"],
            "header-only validation" => ["--validation", Write("val.csv", "text,label\n")],
            _ => [],
        };
        string said = mistake switch
        {
            "missing file" => $"{data}: file not found",
            "missing column" => "'review'",
            "header only" => $"error: {data} has no examples; a classifier needs at least two labels",
            "one label" => $"error: a classifier needs at least two labels, found only 'positive' in {data}",
            "malformed row" => $"error: {data} line 3: malformed row: a quoted field that is never closed",
            "empty label" => $"error: {data} line 3: label is empty (column 'label')",
            _ => $"error: {_work.Combine("val.csv")}: has no examples",
        };

        await AssertUserError(said, ["--data", data, "--base", "minilm", "--models-root", store, .. more]);

        Assert.False(Directory.Exists(Path.Combine(store, "base")), "the base model was extracted");
    }

    // "-" was looked up as a file and answered "-: file not found".
    [Theory]
    [InlineData("--data")]
    [InlineData("--validation")]
    public Task StandardInputAsADataFileIsRefusedAsUnsupported(string option) =>
        AssertUserError($"{option} -: reading from standard input is not supported; give a file path", option, "-");

    [Fact]
    public Task UnknownTextColumn() => AssertUserError("body", "--text-column", "body");

    [Fact]
    public Task LabelsThatDifferOnlyInCaseNameBothLines() => AssertUserError(
        "cased.csv lines 2 and 4: the labels 'Pos' and 'pos' differ only in case",
        "--data", Write("cased.csv", "text,label\ngood,Pos\nawful,neg\nfine,pos\nbad,neg\nnice,Pos\n"));

    [Fact]
    public Task UndetectedTextColumnSaysWhichFlagNamesIt() => AssertUserError(
        "line 1: no text column found; looked for text, sentence, review, content (any case) among the columns 'body', 'label'; name it with --text-column NAME",
        "--data", Write("body.csv", "body,label\nfine movie,positive\nawful,negative\n"));

    [Fact]
    public Task MalformedRowNamesTheLine() =>
        AssertUserError("line 3", "--data", Write("bad.csv", "text,label\nfine movie,positive\n\"unclosed quote,negative\nok,positive\n"));

    [Fact]
    public Task SingleLabelClass() =>
        AssertUserError("'positive'", "--data", Write("one.csv", "text,label\ngood,positive\ngreat,positive\nnice,positive\n"));

    // It said why, not what to do.
    [Fact]
    public Task OneExampleALabelSaysHowToValidate() => AssertUserError(
        "one-each.csv has too few examples to hold out validation: every label has only one; give validation examples with --validation FILE, or at least two examples of a label",
        "--data", Write("one-each.csv", "text,label\ngood,positive\nawful,negative\n"));

    [Fact]
    public Task EmptyDataFile() => AssertUserError("empty.csv", "--data", Write("empty.csv", ""));

    [Fact]
    public Task EmptyText() => AssertUserError("line 3", "--data", Write("blank.csv", "text,label\ngood,positive\n\"  \",negative\n"));

    [Fact]
    public Task UnknownLabelInValidation() =>
        AssertUserError("'neutral'", "--validation", Write("val.csv", "text,label\ngood,positive\nmeh,neutral\n"));

    [Fact]
    public Task ValidationThatIsTheTrainingData() => AssertUserError("is the training data itself", "--validation", tiny.TrainCsv);

    [Fact]
    public Task ValidationThatIsTheTrainingDataByAnotherName()
    {
        var link = _work.Combine("same.csv");
        File.CreateSymbolicLink(link, tiny.TrainCsv);
        return AssertUserError($"--validation {link}: is the training data itself", "--validation", link);
    }

    [Fact]
    public Task UnknownBaseModel() => AssertUserError("bert-huge", "--base", "bert-huge");

    [Fact]
    public Task BaseDirectoryThatIsNotAModel()
    {
        Directory.CreateDirectory(_work.Combine("notamodel"));
        File.WriteAllText(_work.Combine("notamodel", "vocab.txt"), "[PAD]\n");
        return AssertUserError("model.onnx", "--base", _work.Combine("notamodel"));
    }

    /// <summary>
    /// A base model exported at opset 10 reached the opset upgrader, whose refusal came out in .NET's words
    /// ("Graph 'main_graph' uses opset 10; … is not supported. (Parameter 'graph')").
    /// </summary>
    [Fact]
    public Task ABaseModelOlderThanOpset11NamesItsFileItsOpsetAndTheOldestAccepted()
    {
        var old = _work.Combine("opset10");
        Directory.CreateDirectory(old);
        foreach (var file in Directory.GetFiles(tiny.BaseModel)) File.Copy(file, Path.Combine(old, Path.GetFileName(file)));
        var model = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(old, "model.onnx"));
        model.Graph.OpsetVersion = 10;
        model.Save(Path.Combine(old, "model.onnx"));

        return AssertUserError($"base model '{Path.Combine(old, "model.onnx")}' uses ONNX opset 10; the oldest OrtAgent trains from is 11 "
            + "(export the encoder again at opset 11 or later)", "--base", old);
    }

    /// <summary>
    /// A base whose vocab.txt the tokenizer refuses (empty, or without [UNK]) exited 1 with "internal error:
    /// InvalidDataException: … The special token '[UNK]' is not in the vocabulary."; it is --base's mistake, said as the file's.
    /// </summary>
    [Theory]
    [InlineData("empty", "vocab.txt is empty; a vocab.txt lists the model's WordPiece tokens, one a line")]
    [InlineData("no [UNK]", "vocab.txt has no [UNK] line; a BERT vocab.txt lists its special tokens [PAD], [UNK], [CLS], [SEP], [MASK] among its WordPiece tokens, one a line")]
    public Task ABaseWhoseVocabularyTheTokenizerRefusesIsTheBasesMistake(string mistake, string expected)
    {
        var broken = _work.Combine("broken-vocabulary");
        Directory.CreateDirectory(broken);
        foreach (var file in Directory.GetFiles(tiny.BaseModel)) File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        var vocabulary = Path.Combine(broken, "vocab.txt");
        if (mistake == "empty") File.WriteAllBytes(vocabulary, []);
        else File.WriteAllLines(vocabulary, File.ReadAllLines(vocabulary).Select(token => token == "[UNK]" ? "[UNUSED]" : token));

        return AssertUserError($"error: --base '{broken}': {Path.Combine(broken, expected)}", "--base", broken);
    }

    /// <summary>
    /// An output inside the run's own artifacts directory (artifacts/m/m, whose artifacts are artifacts/m) was refused
    /// only after the data was read, naming no flag and blaming the output's own lock file ('.m.lock').
    /// </summary>
    [Fact]
    public Task AnOutputInsideTheRunsArtifactsIsRefusedNamingBoth()
    {
        string output = _work.Combine("artifacts", "m", "m");
        return AssertUserError($"error: --output {output}: must be outside the artifacts directory {_work.Combine("artifacts", "m")} (--artifacts-root); "
            + "choose another --output or --artifacts-root", "--output", output, "--data", _work.Combine("not-read.csv"));
    }

    /// <summary>--init-from /dev/null said the device "is a file; a model folder is expected".</summary>
    [LinuxFact("statx tells a character device from a regular file")]
    public Task AnInitFromThatIsADeviceIsSaidToBeOne() => AssertUserError(
        "error: --init-from '/dev/null': is not a directory (a character device); a model folder is expected", "--init-from", "/dev/null");

    /// <summary>An --init-from folder whose model.onnx is a named pipe was opened to read its format, and train waited for a writer with nothing said.</summary>
    [LinuxFact("statx tells a FIFO from a regular file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AnInitFromModelFileThatIsAFifoIsRefusedAtOnce()
    {
        var model = _work.Combine("fifo-model");
        Directory.CreateDirectory(model);
        using var fifo = NotARegularFile.Create(Path.Combine(model, "model.onnx"), NotARegularFile.Fifo);
        await Task.Run(() => AssertUserError($"error: --init-from {model}: model.onnx: is not a regular file (a FIFO); a model's model.onnx is a file", "--init-from", model))
            .WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// A base encoder's folder as --init-from: refused as the folder, as every other --init-from that is no model is
    /// (the library's InitFrom was a plain UserInputException naming its model.onnx, where the others are its InvalidOptionException).
    /// </summary>
    [Fact]
    public Task AnInitFromThatIsABaseEncoderIsRefusedAsTheFolder() => AssertUserError(
        $"error: --init-from {tiny.BaseModel}: model.onnx: has no OrtAgent metadata and no config.json beside it (neither an OrtAgent export nor a Hugging Face classifier)",
        "--init-from", tiny.BaseModel);

    /// <summary>
    /// A run's artifacts as --init-from said "export a model from its checkpoint and start from that", without the
    /// command predict gives for the same folder.
    /// </summary>
    [Fact]
    public Task AnInitFromThatIsARunsArtifactsGivesTheExportCommand()
    {
        var artifacts = _work.Combine("runs", "m1");
        Directory.CreateDirectory(Path.Combine(artifacts, "checkpoint"));
        File.WriteAllText(Path.Combine(artifacts, "checkpoint", "properties.json"), "{}");
        return AssertUserError($"error: --init-from '{artifacts}': no model.onnx in the model directory: this is a training run's artifacts, not a model; "
            + $"export a model from it with: ortagent export --checkpoint {artifacts} --output MODEL", "--init-from", artifacts);
    }

    /// <summary>An exported classifier given as the base said only that it lacked last_hidden_state.</summary>
    [Fact]
    public Task AFineTunedModelGivenAsTheBaseSaysToGiveItWithInitFrom()
    {
        var classifier = _work.Combine("classifier");
        OrtAgent.Tests.Serving.ToyClassifierModel.Write(classifier, OrtAgent.Tests.Serving.ToyClassifierModel.Sentiment);
        return AssertUserError("has no output 'last_hidden_state'; its outputs are: logits, probabilities "
            + "(a fine-tuned classifier, not a base model: to train on from it, give it as --init-from)", "--base", classifier);
    }

    [Fact]
    public Task AnArtifactsRootThatIsAFile() => AssertUserError(
        $"(--artifacts-root): '{_work.Combine("root")}' is a file, not a directory", "--artifacts-root", Write("root", "keep"));

    /// <summary>
    /// An artifacts root set by the environment was refused as "(--artifacts-root)", a flag nobody typed; the variable is
    /// named as it was set (the configuration takes any case), and the line ends with the flag that overrides it.
    /// </summary>
    [Theory]
    [InlineData("ORTAGENT_ARTIFACTS__ROOT")]
    [InlineData("OrtAgent_Artifacts__Root")]
    public void AnArtifactsRootFromTheEnvironmentThatIsAFileNamesTheVariable(string variable)
    {
        // A child process: the variable would reach every in-process test's artifacts root.
        using var child = new IsolatedChildProcess();
        var root = Write("root", "keep");
        child.Environment[variable] = root;
        string[] args = tiny.TrainArgs(_work.Path);
        int flag = Array.IndexOf(args, "--artifacts-root");

        var run = child.Run([.. args[..flag], .. args[(flag + 2)..]]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine(root, "m")} ({variable}): '{root}' is a file, not a directory; "
            + "give --artifacts-root a folder you can write in", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models")));
    }

    /// <summary>A folder name longer than a file system takes failed after the data was read, as an internal error.</summary>
    [Fact]
    public Task AnOutputNameLongerThanAFileSystemTakes() => AssertUserError(
        $"--output {_work.Combine("models", new string('m', 256))}: a name in it is 256 bytes long (in UTF-8), and a file system takes at most 255; choose a shorter name",
        "--output", _work.Combine("models", new string('m', 256)));

    [Fact]
    public Task AModelsRootThatIsAFile() => AssertUserError(
        $"(--models-root): '{_work.Combine("root")}' is a file, not a directory", "--base", "minilm", "--models-root", Write("root", "keep"));

    [Fact]
    public Task ZeroEpochs() => AssertUserError("--epochs 0", "--epochs", "0");

    [Fact]
    public Task UnknownDevice() => AssertUserError("--device 'gpu'", "--device", "gpu");

    [Theory]
    [InlineData("heavy", "--class-weights 'heavy': 'heavy' is not a weight")]
    [InlineData("1,2,3", "--class-weights '1,2,3': 3 weights for 2 labels ('negative', 'positive', in this order)")]
    [InlineData("neutral=2", "--class-weights 'neutral=2': no label 'neutral' in the training data")]
    [InlineData("positive=2,1", "--class-weights 'positive=2,1': give every weight by label name")]
    [InlineData("positive=-1", "--class-weights 'positive=-1': '-1' is not a weight")]
    [InlineData("0,0", "--class-weights '0,0': the weights are all zero")]
    public Task BadClassWeights(string value, string message) => AssertUserError(message, "--class-weights", value);

    [Theory]
    [InlineData("--label-smoothing", "1", "--label-smoothing 1: must be at least 0 and below 1")]
    [InlineData("--dropout", "-0.1", "--dropout -0.1: must be at least 0 and below 1")]
    [InlineData("--encoder-dropout", "1", "--encoder-dropout 1: must be at least 0 and below 1")]
    [InlineData("--encoder-dropout", "-0.1", "--encoder-dropout -0.1: must be at least 0 and below 1")]
    public Task RatioOutOfRange(string option, string value, string message) => AssertUserError(message, option, value);

    [Theory]
    [InlineData("--patience", "-1", "--patience -1: must be 0 (off) or more")]
    [InlineData("--min-validation", "-1", "--min-validation -1: must be 0 (always choose) or more")]
    [InlineData("--max-length", "4", "--max-length 4: must be between 8 and 512")]
    [InlineData("--warmup-ratio", "2", "--warmup-ratio 2: must be between 0 and 1")]
    // Both ends are refused: "between 0 and 1" read as though 0 and 1 were taken.
    [InlineData("--lr", "0", "--lr 0: must be above 0 and below 1")]
    [InlineData("--lr", "1", "--lr 1: must be above 0 and below 1")]
    // A value is echoed as it was typed: .NET wrote -1E-05 and -1E-07 (and a float's -1E-09).
    [InlineData("--lr", "-1e-5", "--lr -1e-5: must be above 0 and below 1")]
    [InlineData("--weight-decay", "-1e-7", "--weight-decay -1e-7: must be 0 or positive")]
    [InlineData("--dropout", "-1e-9", "--dropout -1e-9: must be at least 0 and below 1")]
    // The fine-tuning API takes 0 to 2147483647; a negative seed was taken here.
    [InlineData("--seed", "-5", "--seed -5: must be 0 or more")]
    [InlineData("--metric", "f2", "--metric 'f2': expected accuracy, macro_f1 or loss")]
    [InlineData("--keep", "first", "--keep 'first': expected best or last")]
    [InlineData("--pooling", "max", "--pooling 'max': expected mean, cls or pooler")]
    [InlineData("--weight-decay", "-0.01", "--weight-decay -0.01: must be 0 or positive")]
    [InlineData("--freeze-layers", "3-1", "--freeze-layers '3-1': '3-1' ends before it starts")]
    [InlineData("--freeze-layers", "0-x", "--freeze-layers '0-x': '0-x' is not N or N-M (for example 0-3)")]
    public Task AnOptionOutOfRangeNamesItsFlag(string option, string value, string message) => AssertUserError(message, option, value);

    /// <summary>The message names the range given (0-40), not the pattern one of its layers became (encoder.layer.2.*).</summary>
    [Fact]
    public Task FrozenLayersPastTheLastNameTheRangeAndTheLayersThereAre() =>
        AssertUserError("error: --freeze-layers '0-40': reaches past the model's encoder (its encoder has layers 0-", "--freeze-layers", "0-40");

    /// <summary>A pattern that matches nothing is refused beginning with its flag, as every other option's line does.</summary>
    [Fact]
    public Task AFreezePatternMatchingNothingBeginsWithItsFlag() =>
        AssertUserError("error: --freeze 'nomatch*': matches no parameter of the model (its encoder has layers 0-", "--freeze", "nomatch*");

    [Fact]
    public Task CudaWhereItCannotLoad() => AssertUserError(
        "--device cuda: the CUDA execution provider cannot be loaded here: the ONNX Runtime in this process has no CUDA provider (no libonnxruntime_providers_cuda.so",
        "--device", "cuda");

    [Fact]
    public Task UnknownScheduler() => AssertUserError("--scheduler 'step'", "--scheduler", "step");

    [Theory]
    [InlineData("--method", "fewshot", "--method 'fewshot': expected standard, contrastive or auto; see 'ortagent train --help'")]
    [InlineData("--seed", "-5", "--seed -5: must be 0 or more")]
    [InlineData("--pair-rounds", "0", "--pair-rounds 0: must be at least 1")]
    [InlineData("--contrastive-epochs", "0", "--contrastive-epochs 0: must be at least 1")]
    [InlineData("--head-c", "-1", "--head-c -1: must be a positive number")]
    [InlineData("--batch-size", "4097", "--batch-size 4097: must be between 1 and 4096 pairs; see 'ortagent train --help'")]
    [InlineData("--contrastive-loss", "triplet", "--contrastive-loss 'triplet': expected cosine or supcon; see 'ortagent train --help'")]
    [InlineData("--temperature", "0", "--temperature 0: must be between 0.001 and 1000; see 'ortagent train --help'")]
    [InlineData("--temperature", "-0.5", "--temperature -0.5: must be between 0.001 and 1000; see 'ortagent train --help'")]
    [InlineData("--temperature", "1e-50", "--temperature 1e-50: must be between 0.001 and 1000; see 'ortagent train --help'")]
    [InlineData("--temperature", "1e39", "--temperature 1e39: must be between 0.001 and 1000; see 'ortagent train --help'")]
    public Task BadContrastiveOptions(string option, string value, string message) =>
        AssertUserError(message, "--method", option == "--method" ? value : "contrastive", option, value);

    /// <summary>
    /// The contrastive values are refused before any work, as the LoRA and seed values are: they were refused only after
    /// "Reading …" and the split line had been printed (with auto, only once the data had chosen contrastive).
    /// </summary>
    [Theory]
    [InlineData("contrastive", "--head-c", "0", "--head-c 0: must be a positive number")]
    [InlineData("contrastive", "--pair-rounds", "0", "--pair-rounds 0: must be at least 1")]
    [InlineData("contrastive", "--contrastive-epochs", "0", "--contrastive-epochs 0: must be at least 1")]
    [InlineData("contrastive", "--batch-size", "4097", "--batch-size 4097: must be between 1 and 4096 pairs")]
    [InlineData("contrastive", "--batch-size", "0", "--batch-size 0: must be between 1 and 4096 pairs")]
    [InlineData("auto", "--head-c", "0", "--head-c 0: must be a positive number")]
    [InlineData("auto", "--pair-rounds", "0", "--pair-rounds 0: must be at least 1")]
    public async Task BadContrastiveValuesAreRefusedBeforeTheDataIsRead(string method, string option, string value, string message)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", method, option, value));
        Assert.True(run.ExitCode == 2, run.ToString());
        // Every refusal of this early check ends as the parse refusals do: --batch-size ended without the help to read.
        Assert.Equal($"error: {message}; see 'ortagent train --help'", Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Output);
    }

    [Theory]
    [InlineData("--lora-rank", "0", "--lora-rank 0: must be between 1 and 1024")]
    [InlineData("--lora-alpha", "-2", "--lora-alpha -2: must be a positive number")]
    [InlineData("--lora-dropout", "1", "--lora-dropout 1: must be at least 0 and below 1")]
    [InlineData("--lora-targets", "query,qury", "--lora-targets 'query,qury': 'qury' is not a target; expected one or more of query, key, value, attention-output, intermediate, output")]
    [InlineData("--freeze-layers", "0-0", "--freeze-layers '0-0': does not combine with --lora-rank, which freezes every base weight already and trains only the adapters and the head; drop --freeze-layers, or train without LoRA")]
    public Task BadLoraOptions(string option, string value, string message) =>
        AssertUserError(message, option == "--lora-rank" ? [option, value] : ["--lora-rank", "4", option, value]);

    /// <summary>Both freezing options with LoRA: the refusal names --freeze, as the library's options do (it named --freeze-layers).</summary>
    [Fact]
    public Task FreezeAndFreezeLayersWithLoraNameFreeze() =>
        AssertUserError("--freeze 'embeddings': does not combine with --lora-rank, which freezes every base weight already and trains only the adapters and the head; drop --freeze, or train without LoRA",
            "--lora-rank", "4", "--freeze", "embeddings", "--freeze-layers", "0-0");

    [Theory]
    [InlineData("--pair-rounds", "5")]
    [InlineData("--contrastive-epochs", "2")]
    [InlineData("--head-c", "10")]
    // Typed, they are refused at their defaults too: the command line tells a flag given from one left out.
    [InlineData("--pair-rounds", "20")]
    [InlineData("--contrastive-epochs", "1")]
    [InlineData("--contrastive-loss", "supcon")]
    [InlineData("--contrastive-loss", "cosine")]
    [InlineData("--temperature", "0.1")]
    public Task ContrastiveOptionsWithStandardFineTuning(string option, string value) =>
        AssertUserError($"{option} {value}: applies to --method contrastive or auto, not to standard fine-tuning", option, value);

    [Theory]
    [InlineData("--epochs", "three", "--epochs 'three': expected a whole number; see 'ortagent train --help'")]
    // A number too large to read names the range the option takes: the seed's has no negatives (it named -2147483648).
    [InlineData("--seed", "99999999999", "--seed '99999999999': expected a whole number from 0 to 2147483647; see 'ortagent train --help'")]
    [InlineData("--seed", "-99999999999", "--seed '-99999999999': expected a whole number from 0 to 2147483647; see 'ortagent train --help'")]
    [InlineData("--threads", "99999999999", "--threads '99999999999': expected a whole number from 0 to 1024; see 'ortagent train --help'")]
    // An option that declares no range is told only the end it passed.
    [InlineData("--epochs", "99999999999", "--epochs '99999999999': expected a whole number no larger than 2147483647; see 'ortagent train --help'")]
    [InlineData("--lr", "fast", "--lr 'fast': expected a number; see 'ortagent train --help'")]
    [InlineData("--lr", "1e-3x", "--lr '1e-3x': expected a number; see 'ortagent train --help'")]
    [InlineData("--lora-rank", "2.5", "--lora-rank '2.5': expected a whole number; see 'ortagent train --help'")]
    [InlineData("--threads", "many", "--threads 'many': expected a whole number; see 'ortagent train --help'")]
    public Task AValueThatIsNotANumberNamesItsFlag(string option, string value, string message) => AssertUserError(message, option, value);

    /// <summary>Every floating option's values that are no finite number, each with the option as the rows below give it.</summary>
    public static TheoryData<string[], string, string> NonFiniteValues()
    {
        var data = new TheoryData<string[], string, string>();
        string[][] options = [["--lr"], ["--weight-decay"], ["--dropout"], ["--encoder-dropout"], ["--label-smoothing"], ["--max-grad-norm"], ["--warmup-ratio"], ["--head-c"],
            ["--method", "contrastive", "--contrastive-loss", "supcon", "--temperature"], ["--lora-rank", "4", "--lora-alpha"], ["--lora-rank", "4", "--lora-dropout"]];
        foreach (var option in options)
            foreach (var (given, shown) in new[] { ("inf", "Infinity"), ("-inf", "-Infinity"), ("Infinity", "Infinity"), ("nan", "NaN") })
                data.Add([.. option, given], option[^1], shown);
        return data;
    }

    /// <summary>
    /// <c>inf</c> was told "expected a number" where <c>Infinity</c> was told the range the option takes (and
    /// <c>--max-grad-norm Infinity</c> was taken): every floating option reads them alike and refuses them in its range's words.
    /// </summary>
    [Theory]
    [MemberData(nameof(NonFiniteValues))]
    public async Task ANonFiniteValueOfAnyFloatingOptionIsRefusedWithItsRange(string[] args, string option, string shown)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, args));
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: {option} {shown}: must be ", line);
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("99999")]
    public Task ThreadsOutOfRange(string threads) => AssertUserError($"error: --threads {threads}: must be 0 (automatic) to 1024", "--threads", threads);

    [Fact]
    public Task NoTf32OnTheCpu() => AssertUserError("--no-tf32 applies to --device cuda only", "--no-tf32", "true");

    [Fact]
    public Task LoraOptionsWithoutARank() => AssertUserError("--lora-alpha needs --lora-rank", "--lora-alpha", "16");

    [Fact]
    public Task ResumeFromADirectoryThatIsNotArtifacts() => AssertUserError("checkpoint", "--resume", _work.Path);
}
