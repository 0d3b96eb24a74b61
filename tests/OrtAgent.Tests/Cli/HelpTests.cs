using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

public sealed class HelpTests
{
    [Theory]
    // The root's name in the usage line is the executable's (ortagent, or testhost under a test runner).
    // The root takes no --models-root of its own: only the commands that keep base models do (the models ones here).
    [InlineData(new[] { "--help" }, " [command] [options]", false)]
    [InlineData(new[] { "models", "--help" }, " models [command] [options]", true)]
    [InlineData(new[] { "models", "list", "--help" }, " models list [options]", true)]
    [InlineData(new[] { "models", "pull", "--help" }, " models pull <name> [options]", true)]
    public async Task Help_PrintsUsageAndExitsZero(string[] args, string usage, bool listsModelsRoot)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage:", run.Output);
        Assert.Contains(usage, run.Output);
        Assert.Equal(listsModelsRoot, run.Output.Contains("--models-root", StringComparison.Ordinal));
        Assert.Equal("", run.Error);
    }

    /// <summary>
    /// The roots' flags are listed by the commands that keep files under them, and by no other: predict, eval, explain and
    /// export listed both (every command's options) and ignored them.
    /// </summary>
    [Theory]
    [InlineData("train", true, true)]
    [InlineData("distill", false, true)]
    [InlineData("artifacts", true, false)]
    [InlineData("serve", true, false)]
    [InlineData("mcp", true, false)]
    [InlineData("predict", false, false)]
    [InlineData("eval", false, false)]
    [InlineData("explain", false, false)]
    [InlineData("export", false, false)]
    public async Task TheRootsAreListedByTheCommandsThatUseThem(string command, bool modelsRoot, bool artifactsRoot)
    {
        var run = await CliRun.RunAsync([command, "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal((modelsRoot, artifactsRoot),
            (run.Output.Contains("--models-root", StringComparison.Ordinal), run.Output.Contains("--artifacts-root", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PullHelpListsTheKnownModels()
    {
        var run = await CliRun.RunAsync(["models", "pull", "--help"]);

        Assert.Contains("minilm, arctic-xs", run.Output);
    }

    /// <summary>
    /// --lr and --lora-dropout left out are unset, and what the run trains decides (LoRA, contrastive and resumed runs
    /// their own): the help said "[default: 5E-05]" and "[default: 0]", which those runs belied, and --output added a second
    /// "[default: models/classifier]" after its own words on --resume. The line says what happens, once.
    /// </summary>
    [Theory]
    [InlineData("train", "--lr", "Peak learning rate (AdamW) [default: 5e-5; 1e-3 for LoRA runs (--lora-rank, or --init-from an adapter); " +
        "2e-5 for contrastive ones (the encoder on sentence pairs); with --resume, the rate the run began with].")]
    [InlineData("train", "--lora-dropout", "LoRA: dropout on the adapters' input, in [0, 1) [default: 0 for new adapters; an --init-from adapter's own; with --resume, the run's own].")]
    [InlineData("train", "--output", "Where the exported model goes [default: models/classifier; with --resume, where that run exports].")]
    [InlineData("distill", "--lr", "Peak learning rate (AdamW) [default: 5e-5; with --resume, the rate the run began with].")]
    public async Task AnOptionTheRunDecidesWhenLeftOutSaysHowInItsHelp(string command, string flag, string description)
    {
        var run = await CliRun.RunAsync([command, "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(run.Output.Split('\n'), l => l.TrimStart().StartsWith($"{flag} <", StringComparison.Ordinal));
        Assert.EndsWith("  " + description, line.TrimEnd());
    }

    /// <summary>
    /// Lines that said less, or other, than the code does: serve's --batch-size "Texts classified together" though a run
    /// takes the larger of it and --max-batch; train's --batch-size "Examples per micro-batch" though a contrastive run
    /// batches sentence pairs, up to 4096; --api-key "or set ORTAGENT_API_KEYS" though the variable's keys are added to
    /// the flag's; ranges the options refuse outside of, unsaid.
    /// </summary>
    [Theory]
    [InlineData("serve", "--batch-size",
        "The most texts one model run takes is the larger of this and --max-batch; it matters for a request of more texts than --max-batch, which runs alone. [default: 32]")]
    [InlineData("serve", "--api-key", "Require 'Authorization: Bearer <key>'; this key may call every route (repeatable; ORTAGENT_API_KEYS, comma-separated, adds keys).")]
    [InlineData("serve", "--max-wait-ms", "How long the first queued request waits for company, 0 to 10000. [default: 2]")]
    [InlineData("serve", "--tls-key-password-file", "A file holding the password of an encrypted --tls-key or of a PKCS#12 --tls-certificate (a password is never taken on the command line).")]
    [InlineData("train", "--batch-size", "Examples per micro-batch; contrastive: sentence pairs per optimizer step, at most 4096 [default: 16; with --resume, the run's own].")]
    [InlineData("train", "--max-length", "Tokens per text, [CLS] and [SEP] included, 8 to 512 (capped at the base model's positions) [default: 128; with --resume, the run's own].")]
    [InlineData("train", "--lora-rank", "Train LoRA adapters of this rank, 1 to 1024 (and the head), instead of the whole model; the base weights stay frozen.")]
    [InlineData("distill", "--max-length", "Tokens per text, 8 to 512 [default: the teacher's; with --resume, the run's own].")]
    // Shared with train, it spoke of contrastive pair rounds, which distill has none of.
    [InlineData("distill", "--min-steps", "Take at least this many optimizer steps: on small data the epochs rise to reach it, and early stopping waits for it (0: off) [default: 100; with --resume, the run's own].")]
    [InlineData("train", "--min-steps", "Take at least this many optimizer steps: on small data the epochs (contrastive: the pair rounds) rise to reach it, and early stopping waits for it (0: off) [default: 100; with --resume, the run's own].")]
    // Shared with train, it named promotion, which distill does not do (it has no --promote-to).
    [InlineData("distill", "--metric", "accuracy, macro_f1 or loss: what early stopping and the best model compare [default: accuracy; with --resume, the run's own].")]
    [InlineData("train", "--metric", "accuracy, macro_f1 or loss: what early stopping, the best model and promotion (--promote-to) compare [default: accuracy; with --resume, the run's own].")]
    [InlineData("explain", "--steps", "Points on the path from the baseline to the text, 1 to 1024 (more: smaller completeness gap, slower). [default: 32]")]
    // It did not say the labels are given as several words (a tester typed them comma-separated).
    [InlineData("artifacts", "--labels", "Label names in output order, space-separated (--labels negative positive), as many as --num-labels [default: LABEL_0, LABEL_1…].")]
    // It named two of the five tools --fine-tuning adds.
    [InlineData("mcp", "--fine-tuning", "Also run the fine-tuning service on --store, with the tools start_fine_tuning, get_fine_tuning_job, "
        + "list_fine_tuning_jobs, cancel_fine_tuning_job and resume_fine_tuning_job; the models its jobs train are served at once.")]
    public async Task AnOptionsHelpSaysWhatTheCodeDoes(string command, string flag, string description)
    {
        var run = await CliRun.RunAsync([command, "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        // "--flag <value>", or a switch's "--flag" and the column's spaces.
        var line = Assert.Single(run.Output.Split('\n'), l => l.TrimStart().StartsWith($"{flag} <", StringComparison.Ordinal) || l.TrimStart().StartsWith($"{flag}  ", StringComparison.Ordinal));
        Assert.EndsWith("  " + description, line.TrimEnd());
    }

    /// <summary>mcp's description named start_fine_tuning and get_fine_tuning_job only; it names every fine-tuning tool there is.</summary>
    [Fact]
    public async Task McpHelpNamesEveryFineTuningTool()
    {
        var tools = typeof(OrtAgent.Mcp.FineTuningTools).GetMethods()
            .Select(m => m.GetCustomAttributes(typeof(ModelContextProtocol.Server.McpServerToolAttribute), false).Cast<ModelContextProtocol.Server.McpServerToolAttribute>().SingleOrDefault()?.Name)
            .OfType<string>().ToArray();
        var run = await CliRun.RunAsync(["mcp", "--help"]);

        Assert.Equal(5, tools.Length);
        var description = run.Output.Split('\n')[1];
        Assert.All(tools, tool => Assert.Contains(tool, description));
    }

    [Theory]
    [InlineData("models")]
    [InlineData("models pull")]
    [InlineData("models pull minilm --no-such-option")]
    [InlineData("")]
    public async Task ParseErrorIsOneErrorLineAndExitTwo(string commandLine)
    {
        var run = await CliRun.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains("--help", line);
    }

    /// <summary>
    /// A word that names no command said only 'Required command was not provided', and with --help printed the parent's
    /// help without a word on it. The line ends where every other parse error does, at the help of the command it was given to.
    /// </summary>
    [Theory]
    [InlineData("frobnicate", "error: unknown command 'frobnicate'; commands: train, distill, artifacts, export, models, predict, eval, explain, serve, mcp; see 'ortagent --help'")]
    [InlineData("--verbose frobnicate --help", "error: unknown command 'frobnicate'; commands: train, distill, artifacts, export, models, predict, eval, explain, serve, mcp; see 'ortagent --help'")]
    [InlineData("models info --help", "error: unknown command 'info' for 'ortagent models'; commands: list, pull; see 'ortagent models --help'")]
    [InlineData("models frobnicate", "error: unknown command 'frobnicate' for 'ortagent models'; commands: list, pull; see 'ortagent models --help'")]
    public async Task AnUnknownCommandIsNamedWithTheCommandsThereAre(string commandLine, string expected)
    {
        var run = await CliRun.RunAsync(commandLine.Split(' '));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(expected, Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Output);
    }
}
