using System.Text.Json;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Explanations;

/// <summary><c>ortagent explain</c> and <c>export --explain</c> on the tiny exported classifier.</summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class ExplainCommandTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PrintsTheLabelTheGapAndTheWordsForAndAgainst()
    {
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "the movie was great", "boring film"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        Assert.Matches(@"^(neg|neu|pos) \d\.\d{3}  logit .* completeness gap [+-]?\d\.\d{3} \(.*\), 4 steps from \[PAD\]$", lines[0].TrimEnd('\r'));
        // Redirected output has no colours, so the words are marked in the text: the strongest always is.
        Assert.Equal("the movie was great", WithoutMarkers(lines[1].TrimEnd('\r')));
        Assert.Matches(@"\[(\+\+[^\]]+\+\+|-[^\]]+-)\]", lines[1]);
        Assert.StartsWith("for: ", lines[2]);
        Assert.StartsWith("against: ", lines[3]);
        Assert.Equal("boring film", WithoutMarkers(lines[5].TrimEnd('\r')));
    }

    /// <summary>Plain text marks a word [+w+] (under half the largest share), [++w++] (above) or [-w-] (against).</summary>
    [Fact]
    public async Task PlainTextMarksEachWordBySignAndShareAsTheJsonGivesThem()
    {
        var text = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "the movie was great but the plot was boring"]);
        var json = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "--json", "the movie was great but the plot was boring"]);

        Assert.True(text.ExitCode == 0 && json.ExitCode == 0, text + json.ToString());
        using var document = JsonDocument.Parse(json.Output);
        var words = document.RootElement.GetProperty("words").EnumerateArray()
            .Select(w => (Text: w.GetProperty("text").GetString()!, Attribution: w.GetProperty("attribution").GetDouble())).ToList();
        double largest = words.Max(w => Math.Abs(w.Attribution));
        var expected = string.Join(' ', words.Select(w =>
        {
            double share = Math.Abs(w.Attribution) / largest;
            return share < 0.1 ? w.Text : w.Attribution < 0 ? $"[-{w.Text}-]" : share < 0.5 ? $"[+{w.Text}+]" : $"[++{w.Text}++]";
        }));
        Assert.Equal(expected, text.Output.Split('\n')[1].TrimEnd('\r'));
    }

    private static string WithoutMarkers(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"\[(\+\+|\+|-)(.*?)\1\]", "$2");

    [Fact]
    public async Task JsonGivesWordsWithOffsetsAndTheCompletenessGap()
    {
        const string text = "I hate it. I hate it.";
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--json", "--steps", "8", "--label", "neg", "--baseline", "mask", text]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var root = json.RootElement;
        Assert.Equal("neg", root.GetProperty("label").GetString());
        Assert.Equal("mask", root.GetProperty("baseline").GetString());
        Assert.Equal(8, root.GetProperty("steps").GetInt32());
        var words = root.GetProperty("words").EnumerateArray().ToList();
        Assert.Equal(["I", "hate", "it", ".", "I", "hate", "it", "."], words.Select(w => w.GetProperty("text").GetString()));
        foreach (var word in words)
            Assert.Equal(word.GetProperty("text").GetString(), text.Substring(word.GetProperty("start").GetInt32(), word.GetProperty("length").GetInt32()));
        double sum = words.Sum(w => w.GetProperty("attribution").GetDouble());
        double change = root.GetProperty("input_logit").GetDouble() - root.GetProperty("baseline_logit").GetDouble();
        Assert.Equal(sum - change, root.GetProperty("completeness_gap").GetDouble(), 1e-4);
    }

    /// <summary>
    /// A text holding U+202E (RIGHT-TO-LEFT OVERRIDE) was written into the JSON as it was, and turned the rest of the line
    /// around in the terminal that showed it; it is escaped, while markup, quotes and accents stay as they were.
    /// </summary>
    [Fact]
    public async Task JsonEscapesBidiControlsAndKeepsTheRestReadable()
    {
        const string text = "good \u202Emovie <b>l'été</b> & fine";
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", "--json", text]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\u202E', run.Output);
        Assert.Contains("\"text\":\"good \\u202Emovie <b>l'été</b> & fine\"", run.Output);
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal(text, document.RootElement.GetProperty("text").GetString());
    }

    /// <summary>
    /// The plain output wrote a text's escape sequences and bidi controls to the terminal as they were (an ESC recoloured
    /// the rest, U+202E turned the line around); each is a '?' there, and emoji, accents and line breaks stay.
    /// </summary>
    [Fact]
    public async Task PlainOutputShowsWhatWouldDriveTheTerminalAsQuestionMarks()
    {
        const string text = "good \u001b[31mred\u0007 \u202Eevil\u202C l'été 👨\u200D👩";
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", text]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\u001b', run.Output);
        Assert.DoesNotContain('\u0007', run.Output);
        Assert.DoesNotContain('\u202E', run.Output);
        // Words may be marked ([+été+]), so each kept character is looked for on its own.
        Assert.Contains("été", run.Output);
        Assert.Contains('\u200D', run.Output);
        // ESC, BEL, U+202E and U+202C, in the text line at least.
        Assert.True(run.Output.Count(c => c == '?') >= 4, run.Output);
    }

    [Fact]
    public async Task HtmlWritesASelfContainedPageWithEveryWordHighlighted()
    {
        var page = _folder.Combine("explained.html");
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "--html", page, "<b>good</b> & fine"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var html = File.ReadAllText(page);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html);
        Assert.DoesNotContain("<b>", html); // the text is escaped, not interpreted
        Assert.Contains("&lt;", html);
        var json = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "--json", "<b>good</b> & fine"]);
        using var document = JsonDocument.Parse(json.Output);
        var words = document.RootElement.GetProperty("words").EnumerateArray().Select(w => w.GetProperty("text").GetString()).ToList();
        Assert.Equal(words.Count, html.Split("\" title=\"").Length - 1);
        Assert.All(words, w => Assert.Contains($">{System.Net.WebUtility.HtmlEncode(w)}</span>", html));
        Assert.Equal(["explained.html"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--label", "happy", "--label 'happy': the model's labels are neg, neu, pos")]
    [InlineData("--steps", "0", "--steps 0: must be a number of path points between 1 and 1024")]
    [InlineData("--baseline", "zeros", "--baseline 'zeros': expected pad or mask")]
    [InlineData("--threads", "-1", "--threads -1: must be 0 (automatic) to 1024")]
    public async Task BadOptionsAreOneLineUserErrors(string option, string value, string message)
    {
        var page = _folder.Combine("page.html");
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, option, value, "--html", page, "good"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {message}", Assert.Single(run.ErrorLines).TrimEnd('\r'));
        Assert.False(File.Exists(page));
    }

    [Fact]
    public async Task NoTextsIsAUserError()
    {
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("no texts given", Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("", "text 2 of 2 is empty; there is nothing to explain")]
    [InlineData("  ", "text 2 of 2 is only whitespace; there is nothing to explain")]
    public async Task ABlankTextIsAUserErrorAsInPredict(string blank, string message)
    {
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "good", blank]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {message}", Assert.Single(run.ErrorLines).TrimEnd('\r'));
    }

    /// <summary>explain.onnx is opened on the first explanation: a named pipe there was handed to ONNX Runtime, which waited for a writer.</summary>
    [LinuxFact("statx tells a FIFO from a regular file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AnExplainGraphThatIsAFifoIsRefusedAtOnce()
    {
        var directory = model.CopyModelTo(_folder.Combine("fifo-explain"), except: "explain.onnx");
        using var fifo = NotARegularFile.Create(Path.Combine(directory, "explain.onnx"), NotARegularFile.Fifo);

        var run = await Task.Run(() => CliRun.RunAsync(["explain", "--model", directory, "good"])).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{fifo.Path}: is not a regular file (a FIFO); a model's explain.onnx is a file", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// Without explain.onnx, the list of files the export wrote says why; a named pipe in its place was read as a file,
    /// and the explanation waited on it for a writer, deaf to SIGTERM.
    /// </summary>
    [LinuxFact("statx tells a FIFO from a regular file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AListOfWrittenFilesThatIsAFifoDoesNotHoldTheAnswer()
    {
        var directory = model.CopyModelTo(_folder.Combine("fifo-manifest"), except: "explain.onnx");
        File.Delete(Path.Combine(directory, OrtAgent.Training.Checkpoints.WrittenFilesManifest.FileName));
        using var fifo = NotARegularFile.Create(Path.Combine(directory, OrtAgent.Training.Checkpoints.WrittenFilesManifest.FileName), NotARegularFile.Fifo);

        var run = await Task.Run(() => CliRun.RunAsync(["explain", "--model", directory, "good"])).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{directory}: no explain.onnx (models exported before explanations lack it)", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task AModelWithoutExplainOnnxSaysHowToAddItAndExportExplainAddsIt()
    {
        var directory = model.CopyModelTo(_folder.Combine("old-model"), except: "explain.onnx");
        // As an export without explain.onnx left it: its manifest lists only the files it wrote.
        OrtAgent.Training.Checkpoints.WrittenFilesManifest.Write(directory);

        var before = await CliRun.RunAsync(["explain", "--model", directory, "good"]);
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Contains($"no explain.onnx (the model was exported without explanations, by export --no-explain); add it with: ortagent export --explain --model {directory}",
            Assert.Single(before.ErrorLines));

        var export = await CliRun.RunAsync(["export", "--explain", "--model", directory]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("explain.onnx", export.Output);
        var after = await CliRun.RunAsync(["explain", "--model", directory, "--json", "--steps", "4", "good"]);
        var reference = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--json", "--steps", "4", "good"]);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(reference.Output, after.Output);
        // Listed as OrtAgent's, so a later export to the directory may replace it: it was refused as a foreign file.
        Assert.Contains("explain.onnx", OrtAgent.Training.Checkpoints.WrittenFilesManifest.Read(directory)!);
    }

    /// <summary>
    /// An explain.onnx left beside a model exported again with other labels scored the wrong rows: an internal error
    /// (IndexOutOfRange) for more labels, attributions of another model for fewer. Refused as a model that cannot be
    /// explained, naming the fix.
    /// </summary>
    [Fact]
    public async Task AnExplainGraphOfAnotherLabelCountIsRefusedNamingTheFix()
    {
        var directory = model.CopyModelTo(_folder.Combine("stale"));
        // The explain graph of a model of the same base with one label fewer, left beside this one.
        int labels = TinyClassifierFixture.Labels.Length;
        var artifacts = OrtAgent.Training.Artifacts.TrainingArtifacts.Generate(new OrtAgent.Training.Artifacts.TrainingArtifactsOptions
        {
            BaseModel = model.BaseModelDirectory, NumLabels = labels - 1, Labels = TinyClassifierFixture.Labels[..^1],
        }, _folder.Combine("artifacts"));
        OrtAgent.Training.Export.ModelExporter.Export(artifacts, OrtAgent.Training.Checkpoints.SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new OrtAgent.Training.Export.ExportOptions { MaxLength = 32, LowerCase = true, BaseModelName = "tiny-bert" }, _folder.Combine("other"));
        File.Copy(_folder.Combine("other", "explain.onnx"), Path.Combine(directory, "explain.onnx"), overwrite: true);

        var run = await CliRun.RunAsync(["explain", "--model", directory, "a great film"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"explain.onnx: scores {labels - 1} labels but model.onnx has {labels}, so it explains another model; rebuild it with: ortagent export --explain --model {directory}",
            Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A model updated by copying another's model.onnx over it (same inputs, same labels) kept its explain.onnx, and
    /// explain described the model that had been there while predict answered with the copied one. Refused, naming the
    /// command that rebuilds it, after which the explanation is the copied model's.
    /// </summary>
    [Fact]
    public async Task AnExplainGraphBesideACopiedInModelIsRefusedNamingTheFix()
    {
        var directory = _folder.Combine("updated");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(model.Int8ModelDirectory)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        File.Copy(Path.Combine(model.ModelDirectory, "model.onnx"), Path.Combine(directory, "model.onnx"), overwrite: true);

        var refused = await CliRun.RunAsync(["explain", "--model", directory, "--steps", "2", "the movie was great"]);

        Assert.True(refused.ExitCode == 2, refused.ToString());
        var line = Assert.Single(refused.ErrorLines);
        Assert.Contains($"{Path.Combine(directory, "explain.onnx")}: explains another model (it was built beside a model.onnx with SHA-256 ", line);
        Assert.EndsWith($"; rebuild it with: ortagent export --explain --model {directory}", line);
        var export = await CliRun.RunAsync(["export", "--explain", "--model", directory]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var after = await CliRun.RunAsync(["explain", "--model", directory, "--json", "--steps", "2", "the movie was great"]);
        var reference = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--json", "--steps", "2", "the movie was great"]);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(reference.Output, after.Output);
    }

    /// <summary>
    /// An int8 model is explained through the fp32 weights its explain.onnx was built from, so the label and score shown
    /// were the fp32 model's, and nothing said so.
    /// </summary>
    [Fact]
    public async Task AnInt8ModelsExplanationSaysTheFp32WeightsWereExplained()
    {
        var int8 = await CliRun.RunAsync(["explain", "--model", model.Int8ModelDirectory, "--steps", "2", "the movie was great"]);
        var int8Json = await CliRun.RunAsync(["explain", "--model", model.Int8ModelDirectory, "--steps", "2", "--json", "the movie was great"]);
        var fp32Json = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", "--json", "the movie was great"]);
        var int8Page = _folder.Combine("int8.html");
        var fp32Page = _folder.Combine("fp32.html");
        var int8Html = await CliRun.RunAsync(["explain", "--model", model.Int8ModelDirectory, "--steps", "2", "--html", int8Page, "the movie was great"]);
        var fp32Html = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", "--html", fp32Page, "the movie was great"]);

        Assert.True(int8.ExitCode == 0, int8.ToString());
        Assert.Contains("(explained with the fp32 weights; this int8 model's own prediction may differ slightly)", int8.Output.Split('\n')[0]);
        using (var json = JsonDocument.Parse(int8Json.Output))
            Assert.StartsWith("fp32", json.RootElement.GetProperty("explained_weights").GetString());
        using (var json = JsonDocument.Parse(fp32Json.Output))
            Assert.False(json.RootElement.TryGetProperty("explained_weights", out _));
        // The page shows the same fp32 score, so it says so too (it said nothing).
        Assert.True(int8Html.ExitCode == 0, int8Html.ToString());
        Assert.True(fp32Html.ExitCode == 0, fp32Html.ToString());
        Assert.Contains("explained with the fp32 weights; this int8 model&#39;s own prediction may differ slightly", File.ReadAllText(int8Page));
        Assert.DoesNotContain("fp32", File.ReadAllText(fp32Page));
    }

    [Fact]
    public async Task ExportExplainRefusesAnInt8ModelAndNamesTheWayOut()
    {
        var directory = _folder.Combine("int8");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(model.Int8ModelDirectory).Where(f => Path.GetFileName(f) != "explain.onnx"))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        // explain names the way out too: it sent an int8 model to export --explain, which refuses it.
        var explain = await CliRun.RunAsync(["explain", "--model", directory, "good"]);
        Assert.True(explain.ExitCode == 2, explain.ToString());
        Assert.Contains("no explain.onnx, and this int8 model's gradients need the fp32 weights it was quantized from; re-export it from its checkpoint " +
            "(ortagent export --checkpoint artifacts/NAME --quantize int8 --output DIR)", Assert.Single(explain.ErrorLines));

        var run = await CliRun.RunAsync(["export", "--explain", "--model", directory]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("int8-quantized", Assert.Single(run.ErrorLines));
        Assert.False(File.Exists(Path.Combine(directory, "explain.onnx")));
    }

    /// <summary>
    /// Adding explain.onnx to a model on a full disk is the environment's failure, said as a full disk with exit 1, not a
    /// refusal of what was typed (exit 2, "cannot write explain.onnx there (No space left on device …)", seen by hand on
    /// a full tmpfs). The disk is made full by the temporary file's name, a link to <c>/dev/full</c>, where every write
    /// fails with ENOSPC.
    /// </summary>
    [LinuxFact("/dev/full, which answers every write with ENOSPC, is Linux's")]
    public async Task ExportExplainOnAFullDiskSaysTheDiskIsFullAndLeavesNothing()
    {
        var directory = _folder.Combine("full");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(model.ModelDirectory).Where(f => Path.GetFileName(f) != "explain.onnx"))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        // The name the export writes to, handed out to this process first, so the export's sweep keeps it as a live writer's.
        var temporary = OrtAgent.Training.Checkpoints.TemporarySiblings.For(Path.Combine(directory, "explain.onnx"), "tmp", hidden: true);
        File.CreateSymbolicLink(temporary, "/dev/full");

        var run = await CliRun.RunAsync(["export", "--explain", "--model", directory]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith("error: the disk is full: No space left on device", Assert.Single(run.ErrorLines));
        Assert.False(File.Exists(Path.Combine(directory, "explain.onnx")));
        Assert.False(Path.Exists(temporary), "the temporary is left");
    }

    [Theory]
    [InlineData("--output", "x")]
    [InlineData("--latest", null)]
    [InlineData("--quantize", "int8")]
    public async Task ExportExplainTakesOnlyTheModel(string option, string? value)
    {
        var directory = model.CopyModelTo(_folder.Combine("m"), except: "explain.onnx");
        string[] args = value is null ? ["export", "--explain", "--model", directory, option] : ["export", "--explain", "--model", directory, option, value];
        var run = await CliRun.RunAsync(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{option} does not apply", Assert.Single(run.ErrorLines));
    }
}
