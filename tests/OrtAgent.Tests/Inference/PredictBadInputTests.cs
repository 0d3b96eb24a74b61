using System.Text.Json;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// Every mistake a user can make with <c>predict</c> and <c>eval</c>: exit code 2, exactly one stderr line naming the
/// problem, nothing on stdout and no output file (nor a temporary one) left behind. Here the model, the input, the
/// options and the texts; <c>eval</c>'s own in <see cref="EvalBadInputTests"/>, where outputs may not go in
/// <see cref="PredictOutputBadInputTests"/>.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class PredictBadInputTests(TinyClassifierFixture model) : InferenceBadInputTestBase(model)
{
    /// <summary>A copy of the fixture model with <paramref name="missing"/> deleted.</summary>
    private string ModelWithout(string missing) => _model.CopyModelTo(_folder.Combine("model-without-" + missing), except: missing);

    private Task AssertPredictError(string model, string expectedMessage) =>
        AssertUserError(["predict", "--model", model, "--input", _input, "--output", _output], expectedMessage);

    // "-" was looked up as a file and answered "-: file not found".
    [Theory]
    [InlineData("predict", "--input")]
    [InlineData("eval", "--data")]
    public Task StandardInputAsTheDataFileIsRefusedAsUnsupported(string command, string option) => AssertUserError(
        [command, "-m", _model.ModelDirectory, option, "-", .. command == "predict" ? new[] { "--output", _output } : []],
        $"{option} -: reading from standard input is not supported; give a file path");

    /// <summary>A named pipe as --input waited for a writer forever; bounded here, as the build before never returned.</summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("predict", "--input", NotARegularFile.Fifo)]
    [InlineData("predict", "--input", NotARegularFile.Directory)]
    [InlineData("eval", "--data", NotARegularFile.Fifo)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AnInputThatIsNotARegularFileIsRefusedAtOnce(string command, string option, string kind)
    {
        using var path = NotARegularFile.Create(_folder.Combine("texts.csv"), kind);

        // On a thread of its own: the run opens the file before its first await, and the build before waited there.
        string[] args = [command, "-m", _model.ModelDirectory, option, path.Path, .. command == "predict" ? new[] { "--output", _output } : []];
        await Task.Run(() => AssertUserError(args, path.Refusal)).WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>A model folder whose model.onnx or vocab.txt is a named pipe waited for a writer forever, saying nothing.</summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("model.onnx")]
    [InlineData("vocab.txt")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AModelFileThatIsAFifoIsRefusedAtOnce(string file)
    {
        string model = ModelWithout(file);
        using var fifo = NotARegularFile.Create(Path.Combine(model, file), NotARegularFile.Fifo);

        string[] args = ["predict", "--model", model, "--input", _input, "--output", _output];
        await Task.Run(() => AssertUserError(args, $"error: {fifo.Path}: is not a regular file (a FIFO); a model's {file} is a file"))
            .WaitAsync(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public Task MissingModelDirectory() => AssertPredictError(_folder.Combine("no-such-model"), "model directory does not exist");

    [Fact]
    public Task NoModelOnnx() => AssertPredictError(ModelWithout("model.onnx"), "no model.onnx in the model directory");

    /// <summary>
    /// A run's artifacts given as the model (where training wrote, so where users look for it) said only that model.onnx is
    /// missing; the run's training graph marks them.
    /// </summary>
    [Fact]
    public async Task ARunsArtifactsNameTheExportThatMakesAModel()
    {
        var artifacts = _folder.Combine("artifacts", "m1");
        Directory.CreateDirectory(artifacts);
        File.WriteAllBytes(Path.Combine(artifacts, "training_model.onnx"), [1]);

        await AssertPredictError(artifacts, $"error: {artifacts}: no model.onnx in the model directory: this is a training run's artifacts, not a model; "
            + $"export a model from it with: ortagent export --checkpoint {artifacts} --output MODEL");
    }

    /// <summary>A LoRA adapter (export --adapter-only) given as the model said only that model.onnx is missing.</summary>
    [Fact]
    public async Task ALoraAdapterSaysHowToGetAModel()
    {
        var adapter = _folder.Combine("adapters", "small");
        Directory.CreateDirectory(adapter);
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), "{}");

        await AssertPredictError(adapter, $"error: {adapter}: no model.onnx in the model directory: this is a LoRA adapter, not a model; "
            + "export the merged model from the run's checkpoint (ortagent export --checkpoint artifacts/NAME --output MODEL, without --adapter-only), "
            + $"or train one from it with: ortagent train --init-from {adapter}");
    }

    [Fact]
    public Task NoVocabulary() => AssertPredictError(ModelWithout("vocab.txt"), "no vocab.txt beside model.onnx");

    /// <summary>A partial copy of a model, its vocab.txt cut short, loaded and predicted from the wrong words.</summary>
    [Fact]
    public Task AVocabularyCutShort()
    {
        var model = _model.CopyModelTo(_folder.Combine("model-cut-vocab"));
        var vocabulary = Path.Combine(model, "vocab.txt");
        int tokens = File.ReadAllLines(vocabulary).Length;
        File.WriteAllLines(vocabulary, File.ReadLines(vocabulary).Take(tokens - 10).ToArray());
        return AssertPredictError(model, $"error: {vocabulary}: holds {tokens - 10} tokens, and model.onnx was trained with {tokens}; is it a partial copy, or another model's?");
    }

    [Fact]
    public Task APlainEncoderWithoutOrtAgentMetadata() => AssertPredictError(_model.BaseModelDirectory, "has no OrtAgent metadata");

    [Fact]
    public async Task AnEmptyInputFile()
    {
        File.WriteAllText(_input, "");
        await AssertPredictError(_model.ModelDirectory, $"{_input} is empty");
    }

    [Fact]
    public async Task AnInputWithOnlyAHeader()
    {
        File.WriteAllText(_input, "text,label\n");
        await AssertPredictError(_model.ModelDirectory, $"{_input}: no texts to classify");
    }

    /// <summary>The prediction's columns take predicted_ before their names when the input has theirs; with both, none is free.</summary>
    [Fact]
    public async Task AnInputWithTheNamesOfThePredictionsColumnsPrefixedOrNot()
    {
        File.WriteAllText(_input, "text,label,Predicted_Score\nthe movie was great,pos,0.9\n");
        await AssertPredictError(_model.ModelDirectory,
            $"{_input}: has 'label' and 'Predicted_Score' among its columns, so the predictions have no names of their own (label, score, probabilities, else each with predicted_ before it); rename one of those columns");
    }

    [Fact]
    public async Task AJsonLinesInputWithTheNamesOfThePredictionsColumnsPrefixedOrNot()
    {
        var input = _folder.Combine("in.jsonl");
        File.WriteAllText(input, "{\"text\": \"good\", \"predicted_probabilities\": {}}\n{\"text\": \"bad\", \"probabilities\": {}}\n");
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", input, "-o", _output],
            $"{input}: has 'probabilities' and 'predicted_probabilities' among its columns");
    }

    [Fact]
    public async Task TwoColumnsOfOneNameForAJsonLinesOutput()
    {
        File.WriteAllText(_input, "id,text,id\n1,good,2\n");
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", Path.ChangeExtension(_output, ".jsonl")],
            $"{_input}: columns 1 and 3 are both named 'id', and a .jsonl object cannot hold two properties of one name; rename one, or write a .csv");
    }

    /// <summary>A .tsv output has no quoting, as the TSV reader has none: a field with a tab or a line break cannot be written.</summary>
    [Theory]
    [InlineData("text", "a\ttab", "column 'text' holds a tab")]
    [InlineData("text", "two\nlines", "column 'text' holds a line break")]
    [InlineData("note", "carriage\rreturn", "column 'note' holds a line break")]
    public async Task AFieldThatATsvOutputCannotHold(string property, string value, string what)
    {
        var input = _folder.Combine("in.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"good\", \"note\": \"\"}", JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = "bad", [property] = value })]);
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", input, "-o", Path.ChangeExtension(_output, ".tsv")],
            $"error: {input} line 2: {what}, which a .tsv file cannot hold (TSV has no quoting); write a .csv or .jsonl instead");
    }

    [Fact]
    public async Task AColumnNameThatATsvOutputCannotHold()
    {
        File.WriteAllText(_input, "text,\"a\tb\"\ngood,1\n");
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", Path.ChangeExtension(_output, ".tsv")],
            $"error: {_input}: the name of column 2 holds a tab, which a .tsv file cannot hold");
    }

    /// <summary>
    /// A JSON object with a property twice kept both in a .jsonl output and the first in a .csv one, while a CSV header
    /// with a name twice was refused for .jsonl: the row is refused, naming its line and the property, whatever the output.
    /// </summary>
    [Theory]
    [InlineData(".csv")]
    [InlineData(".jsonl")]
    [InlineData(".tsv")]
    public async Task AJsonLinesRowWithAPropertyTwice(string extension)
    {
        var input = _folder.Combine("in.jsonl");
        File.WriteAllText(input, "{\"id\": 1, \"text\": \"good\"}\n\n{\"id\": 2, \"text\": \"bad\", \"id\": 3}\n");
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", input, "-o", Path.ChangeExtension(_output, extension)],
            $"error: {input} line 3: properties 1 and 3 are both named 'id', so which value is meant is unclear; rename or remove one");
    }

    /// <summary>The first pass gathered every property name of a JSON Lines input without a bound.</summary>
    [Fact]
    public async Task AJsonLinesInputWithMoreDistinctPropertiesThanAPredictionsFileCarries()
    {
        var input = _folder.Combine("in.jsonl");
        int limit = OrtAgent.Inference.JsonLinesColumns.MaxColumns;
        // Four properties a line (text among them): the limit is passed on the line that brings the property past it.
        File.WriteAllLines(input, Enumerable.Range(0, limit / 3 + 1).Select(i =>
            JsonSerializer.Serialize(new Dictionary<string, object> { ["text"] = "good", [$"a{i}"] = 1, [$"b{i}"] = 2, [$"c{i}"] = 3 })));
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", input, "-o", _output],
            $"error: {input} line {limit / 3 + 1}: property 'a{limit / 3}' is past the {limit} distinct properties a predictions file can carry as columns");
    }

    /// <summary>
    /// A .jsonl output has no column set (each object keeps its own properties), so the bound on a CSV or TSV output's
    /// columns does not refuse it; an input property named as a prediction's, even past the bound, still renames the
    /// prediction's.
    /// </summary>
    [Fact]
    public async Task AJsonLinesOutputTakesAnInputWithAnyNumberOfDistinctProperties()
    {
        var input = _folder.Combine("many.jsonl");
        int lines = OrtAgent.Inference.JsonLinesColumns.MaxColumns / 3 + 2;
        File.WriteAllLines(input, Enumerable.Range(0, lines).Select(i =>
            JsonSerializer.Serialize(i == lines - 1
                ? new Dictionary<string, object> { ["text"] = "bad", ["label"] = "given" }
                : new Dictionary<string, object> { ["text"] = "good", [$"a{i}"] = 1, [$"b{i}"] = 2, [$"c{i}"] = 3 })));
        var output = Path.ChangeExtension(_output, ".jsonl");

        var run = await CliRun.RunAsync(["predict", "-m", _model.ModelDirectory, "-i", input, "-o", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var written = File.ReadAllLines(output).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(lines, written.Length);
        Assert.Equal(3, written[lines - 2].GetProperty($"c{lines - 2}").GetInt32());
        Assert.Equal("given", written[lines - 1].GetProperty("label").GetString());
        Assert.True(written[0].TryGetProperty("predicted_label", out _));
    }

    [Fact]
    public Task AnUnknownTextColumn() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", _output, "--text-column", "body"], "no text column 'body' (from --text-column)");

    [Fact]
    public async Task AnInputWithoutATextColumn()
    {
        File.WriteAllText(_input, "id,label\n1,pos\n");
        await AssertPredictError(_model.ModelDirectory, "no text column found");
    }

    [Fact]
    public async Task ABadRowFailsBeforeAnythingIsWritten()
    {
        File.WriteAllText(_input, "text,label\ngood,pos\n,neg\n");
        await AssertPredictError(_model.ModelDirectory, $"{_input} line 3: text is empty");
    }

    [Fact]
    public Task AFileGivenAsTheModel()
    {
        File.WriteAllText(_input, "text\ngood\n");
        return AssertUserError(["predict", "-m", _input, "good"], $"{_input}: is a file; a model is a directory (model.onnx, vocab.txt, labels)");
    }

    /// <summary>A device named as the model was "a file", as if a model file had been named where its folder belongs.</summary>
    [LinuxFact("statx tells a device from a regular file")]
    public Task ADeviceGivenAsTheModelIsSaidToBeOne() =>
        AssertUserError(["predict", "-m", "/dev/null", "good"], "/dev/null: is not a directory (a character device); a model is a directory (model.onnx, vocab.txt, labels)");

    /// <summary>A zero-width space was classified (exit 0 with a score) though the tokenizer makes nothing of it.</summary>
    [Fact]
    public Task ATextArgumentOfOnlyAZeroWidthSpace() => AssertUserError(["predict", "--model", _model.ModelDirectory, "good", "\u200b"],
        "text 2 of 2 has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)");

    /// <summary>
    /// A lone accent is text to a cased vocabulary and nothing to this uncased model's: it is refused once the model is
    /// loaded, by its tokenizer, naming the text as the command does (the classifier knew only "texts[1]").
    /// </summary>
    [Fact]
    public Task ATextArgumentOfOnlyAnAccentForAnUncasedModel() => AssertUserError(["predict", "--model", _model.ModelDirectory, "good", "\u0301"],
        "text 2 of 2 has nothing to classify: it holds only combining-mark characters, which the tokenizer drops (U+0301)");

    /// <summary>explain took it and explained [CLS] [SEP], with no words (exit 0); refused as predict refuses it.</summary>
    [Fact]
    public Task ExplainATextArgumentOfOnlyAnAccentForAnUncasedModel() => AssertUserError(["explain", "--model", _model.ModelDirectory, "\u0301"],
        "text 1 of 1 has nothing to explain: it holds only combining-mark characters, which the tokenizer drops (U+0301)");

    /// <summary>As <see cref="ATextArgumentOfOnlyAnAccentForAnUncasedModel"/>, for a file's row: named by its line and column, before anything is written.</summary>
    [Fact]
    public async Task ARowOfOnlyAnAccentForAnUncasedModel()
    {
        File.WriteAllText(_input, "text,label\ngood,pos\n\u0301,neg\n");
        await AssertPredictError(_model.ModelDirectory,
            $"{_input} line 3: text has nothing to classify (column 'text'): it holds only combining-mark characters, which the tokenizer drops (U+0301)");
    }

    [Fact]
    public Task NoTextsGiven() => AssertUserError(["predict", "--model", _model.ModelDirectory], "no texts given");

    [Fact]
    public Task ATextColumnWithoutInput() =>
        AssertUserError(["predict", "-m", _model.ModelDirectory, "--text-column", "body", "good"], "--text-column needs --input FILE");

    [Fact]
    public Task InputWithoutOutput() => AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", _input], "--input needs --output");

    [Fact]
    public Task TextsAndInputTogether() => AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", _output, "good"], "not both");

    [Fact]
    public Task ATopOfZero() => AssertUserError(["predict", "-m", _model.ModelDirectory, "--top", "0", "good"], "error: --top 0: must be at least 1 (and at most the model's number of labels); see 'ortagent predict --help'");

    [Fact]
    public async Task ATopAboveTheLabelCountNamesTheRange()
    {
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "--top", "4", "good"], "--top 4: the model in " + _model.ModelDirectory + " has 3 labels; give 1 to 3");
        await AssertUserError(["predict", "-m", _model.ModelDirectory, "--input", _input, "--output", _output, "--top", "4"], "has 3 labels; give 1 to 3");
    }

    [Fact]
    public Task ABatchSizeOfZero() => AssertUserError(["predict", "-m", _model.ModelDirectory, "--batch-size", "0", "good"], "error: --batch-size 0: must be at least 1; see 'ortagent predict --help'");

    /// <summary>
    /// The runtime's range for its thread count (<c>OrtSessionSettings.IntraOpThreads</c>), named by the flag. ONNX Runtime
    /// would start them all: 99999 took 19 GB and ignored SIGTERM.
    /// </summary>
    [Theory]
    [InlineData("predict", "-1")]
    [InlineData("predict", "99999")]
    [InlineData("eval", "-1")]
    [InlineData("eval", "99999")]
    public async Task ThreadsOutOfRange(string command, string threads)
    {
        var run = await CliRun.RunAsync(command == "predict"
            ? [command, "-m", _model.ModelDirectory, "--threads", threads, "good"]
            : [command, "-m", _model.ModelDirectory, "--data", _input, "--threads", threads]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --threads {threads}: must be 0 (automatic) to 1024", Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Output);
    }

    /// <summary>An option checked for its range whose value is no number at all used to be an internal error (exit 1).</summary>
    [Theory]
    [InlineData("predict", "--batch-size")]
    [InlineData("predict", "--threads")]
    [InlineData("eval", "--batch-size")]
    [InlineData("eval", "--threads")]
    public Task ACheckedOptionThatIsNotANumber(string command, string option) => AssertUserError(
        command == "predict" ? [command, "-m", _model.ModelDirectory, option, "some", "good"] : [command, "-m", _model.ModelDirectory, "--data", _input, option, "some"],
        $"{option} 'some': expected a whole number; see 'ortagent {command} --help'");

    /// <summary>A number too large to read is answered with the range a checked option takes, not the parser's (-2147483648 …).</summary>
    [Fact]
    public Task ABatchSizeTooLargeToReadNamesTheRangeItTakes() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "--batch-size", "99999999999", "good"],
        "--batch-size '99999999999': expected a whole number from 1 to 2147483647; see 'ortagent predict --help'");

    /// <summary>The CPU has no TF32 to turn off: the flag alone would do nothing, so it is refused rather than ignored.</summary>
    [Theory]
    [InlineData("predict")]
    [InlineData("eval")]
    public Task NoTf32OnTheCpu(string command) => AssertUserError(
        command == "predict" ? [command, "-m", _model.ModelDirectory, "--no-tf32", "good"] : [command, "-m", _model.ModelDirectory, "--data", _input, "--no-tf32"],
        "--no-tf32 applies to --device cuda only; the CPU computes float32 in full");

    [Fact]
    public Task AnUnknownDevice() => AssertUserError(["predict", "-m", _model.ModelDirectory, "--device", "tpu", "good"], "tpu");

    [Fact]
    public Task NoModelOption() => AssertUserError(["predict", "good"], "--model");

    /// <summary>It says what the flag likely was, as a command without texts does (predict took --models-root, and ignored it).</summary>
    [Theory]
    [InlineData("predict", "--data", "train, distill, eval take it")]
    [InlineData("predict", "--jsn", "did you mean --json")]
    [InlineData("explain", "--input", "predict takes it")]
    [InlineData("predict", "--models-root", "train, artifacts, models, serve, mcp take it")]
    [InlineData("predict", "--artifacts-root", "train, distill take it")]
    public Task AnUnknownOptionIsNotClassifiedAsAText(string command, string option, string hint) => AssertUserError(
        [command, "-m", _model.ModelDirectory, option, "the movie was great"], $"{option}: not an option of {command} (see its --help); {hint}; a text that begins with '-' goes after \"--\"");

    [Fact]
    public Task ATextBeginningWithADashButNotShapedLikeAnOptionIsClassified() =>
        AssertEachTextClassified("- great product", "-5 stars, never again");

    /// <summary>
    /// "-" alone, standard input's name, was classified as the text "-" (exit 0), where <c>--input -</c> is refused; the
    /// text "-" goes after "--" (<see cref="ATextBeginningWithADashIsClassifiedAfterTheDoubleDash"/>).
    /// </summary>
    [Theory]
    [InlineData("predict", ", or a file with --input FILE")]
    [InlineData("explain", "")]
    public Task ADashAloneIsRefusedAsStandardInput(string command, string orFile) => AssertUserError(
        [command, "-m", _model.ModelDirectory, "great film", "-"],
        $"error: -: standard input, which {command} does not read; pass texts as arguments (the text \"-\" itself after \"--\"){orFile}");

    // "@john great movie" was "Response file not found 'john great movie'", exit 2.
    [Fact]
    public Task ATextBeginningWithAnAtSignIsClassifiedNotReadAsAResponseFile() => AssertEachTextClassified("@john great movie", "@");

    [Fact]
    public Task ATextBeginningWithADashIsClassifiedAfterTheDoubleDash() => AssertEachTextClassified("--", "-5 stars, never again", "--data", "-");

    /// <summary>
    /// The configuration read every word of the command line as a possible setting, texts after "--" too: this text set
    /// the log level, and predict refused it as a configuration mistake instead of classifying it.
    /// </summary>
    [Fact]
    public Task ATextAfterTheDoubleDashShapedLikeASettingIsClassifiedNotReadAsConfiguration() =>
        AssertEachTextClassified("--", "great film", "--Logging:LogLevel:Default=nosuch");

    /// <summary>predict with these arguments after the model prints one line per text ("--" is none) and exits with 0.</summary>
    private async Task AssertEachTextClassified(params string[] texts)
    {
        var run = await CliRun.RunAsync(["predict", "-m", _model.ModelDirectory, .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(texts.Count(t => t != "--"), run.Output.TrimEnd('\n').Split('\n').Length);
    }
}
