using OrtAgent.Cli;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Cli;

/// <summary>Libraries name their options' properties; the CLI's error lines name the flags the user typed.</summary>
public sealed class OptionFlagsTests
{
    public static TheoryData<TrainJobOptions, string> BadTrainOptions => new()
    {
        { Train(new() { Epochs = 0 }), "--epochs 0: must be at least 1" },
        { Train(new() { BatchSize = 0 }), "--batch-size 0: must be at least 1" },
        { Train(new() { GradientAccumulation = 0 }), "--grad-accum 0: must be at least 1" },
        { Train(new() { LearningRate = 2 }), "--lr 2: must be above 0 and below 1" },
        { Train(new() { MaxGradNorm = -0.5 }), "--max-grad-norm -0.5: must be 0 (off) or a positive finite number" },
        { Train(new() { EvaluateEverySteps = -1 }), "--eval-steps -1: must be 0 or positive" },
        { Train(new() { WarmupRatio = 1.5 }), "--warmup-ratio 1.5: must be between 0 and 1" },
        { Train(new() { Patience = -1 }), "--patience -1: must be 0 (off) or more" },
        { new() { MaxLength = 4 }, "--max-length 4: must be between 8 and 512" },
        { new() { DropoutRatio = 1f }, "--dropout 1: must be at least 0 and below 1" },
        { new() { EncoderDropoutRatio = 1f }, "--encoder-dropout 1: must be at least 0 and below 1" },
        { new() { LabelSmoothing = -0.25f }, "--label-smoothing -0.25: must be at least 0 and below 1" },
    };

    [Theory]
    [MemberData(nameof(BadTrainOptions))]
    public void ATrainOptionIsNamedByItsFlag(TrainJobOptions options, string line)
    {
        var error = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.DoesNotContain("--", error.Message);
        Assert.Equal(line, OptionFlags.Describe(error));
    }

    /// <summary><c>ortagent explain --steps 0</c> reaches the runtime's check, which names <c>ExplainOptions.Steps</c>.</summary>
    [Fact]
    public void AnExplainOptionIsNamedByItsFlag()
    {
        var error = Assert.Throws<InvalidOptionException>(new ExplainOptions { Steps = 0 }.Validate);
        Assert.Equal("--steps 0: must be a number of path points between 1 and 1024", OptionFlags.Describe(error));
    }

    /// <summary>
    /// The session's thread count is checked by the runtime alone, once the command line is read; its line names the flag.
    /// The device ordinal has no flag, so it keeps the library's name.
    /// </summary>
    [Fact]
    public void SessionSettingsAreNamedByTheirFlags()
    {
        var threads = Assert.Throws<InvalidOptionException>(new OrtSessionSettings { IntraOpThreads = -1 }.Validate);
        Assert.Equal("--threads -1: must be 0 (automatic) to 1024", OptionFlags.Describe(threads));
        var deviceId = Assert.Throws<InvalidOptionException>(new OrtSessionSettings { DeviceId = -1 }.Validate);
        Assert.Equal("OrtSessionSettings.DeviceId = -1: must be 0 or more (a CUDA device ordinal)", OptionFlags.Describe(deviceId));
    }

    [Fact]
    public void EnumValuesAreSpelledAsTheFlagTakesThem()
    {
        Assert.Equal("--metric macro_f1: nope", Describe<FineTuningOptions>(nameof(FineTuningOptions.Metric), ValidationMetric.MacroF1));
        Assert.Equal("--scheduler cosine: nope", Describe<FineTuningOptions>(nameof(FineTuningOptions.Scheduler), LearningRateScheduleKind.Cosine));
        Assert.Equal("--pooling pooler: nope", Describe<ClassifierHeadOptions>(nameof(ClassifierHeadOptions.Pooling), PoolingMode.Pooler));
        Assert.Equal("--device cuda: nope", Describe<OrtSessionSettings>(nameof(OrtSessionSettings.Device), ExecutionDevice.Cuda));
        Assert.Equal("--seed 7: nope", Describe<FineTuningOptions>(nameof(FineTuningOptions.Seed), 7));
        Assert.Equal("--baseline mask: nope", Describe<ExplainOptions>(nameof(ExplainOptions.Baseline), ExplainBaseline.Mask));
    }

    /// <summary><c>ortagent artifacts --dropout</c> reaches the head's own check, which said "The dropout ratio must be in [0, 1), not 1,5." under de-DE.</summary>
    [Fact]
    public void TheHeadsDropoutIsNamedByItsFlag()
    {
        var error = Assert.Throws<InvalidOptionException>(new ClassifierHeadOptions { DropoutRatio = 1.5f }.Validate);
        Assert.Equal("--dropout 1.5: must be at least 0 and below 1", OptionFlags.Describe(error));
    }

    [Fact]
    public void AnOptionWithoutAFlagKeepsTheLibrarysMessage()
    {
        var error = new InvalidOptionException("FineTuningOptions.LogEverySteps", 0, "must be at least 1");
        Assert.Equal("FineTuningOptions.LogEverySteps = 0: must be at least 1", OptionFlags.Describe(error));
    }

    [Fact]
    public void OtherUserErrorsKeepTheirMessage() =>
        Assert.Equal("data.csv: line 3 is malformed", OptionFlags.Describe(new UserInputException("data.csv: line 3 is malformed")));

    /// <summary>
    /// A library's message names its options as properties, whatever the host; the CLI's line names the flags instead
    /// (the contrastive trainer's "--head-c fixes C" remark, a run with no adapter to export).
    /// </summary>
    [Fact]
    public void OptionsNamedInALibrarysTextBecomeTheirFlags()
    {
        Assert.Equal("the choice is noise; --head-c fixes C)", OptionFlags.InText("the choice is noise; ContrastiveOptions.HeadC fixes C)"));
        Assert.Equal("were not trained with LoRA (--lora-rank); there is no adapter to export.",
            OptionFlags.Describe(new UserInputException("were not trained with LoRA (TrainingArtifactsOptions.Lora); there is no adapter to export.")));
        // Only whole names: a longer name, or one without a flag, is left as the library wrote it.
        Assert.Equal("ContrastiveOptions.HeadCount and FineTuningOptions.LogEverySteps",
            OptionFlags.InText("ContrastiveOptions.HeadCount and FineTuningOptions.LogEverySteps"));
    }

    /// <summary>The runtime names the training library's call that adds an explain graph; the CLI's line names the command.</summary>
    [Theory]
    [InlineData(ExplainGraphRemedy.Add, "m: no explain.onnx; add it with: ortagent export --explain --model m")]
    [InlineData(ExplainGraphRemedy.Rebuild, "m: no explain.onnx; rebuild it with: ortagent export --explain --model m")]
    [InlineData(ExplainGraphRemedy.ExportAgainFromCheckpoint,
        "m: no explain.onnx; re-export it from its checkpoint (ortagent export --checkpoint artifacts/NAME --quantize int8 --output DIR), which writes explain.onnx from them")]
    public void AModelWithoutAUsableExplainGraphNamesTheCommandThatAddsOne(ExplainGraphRemedy remedy, string line)
    {
        var error = new ExplainGraphUnavailableException("m", "m: no explain.onnx", remedy);

        Assert.DoesNotContain("ortagent", error.Message);
        Assert.StartsWith("m: no explain.onnx; ", error.Message);
        Assert.Equal(line, OptionFlags.Describe(error));
    }

    /// <summary>The runtime says to load a replaced model again as a library caller does; the line names the servers' ways.</summary>
    [Fact]
    public void AModelReplacedSinceItWasLoadedNamesTheServersReload()
    {
        var error = new ModelReplacedException("m", "m: the model there was replaced");

        Assert.Equal("m: the model there was replaced; load the model again (a new TextClassifier from TextClassifier.Load) to use the new one", error.Message);
        Assert.Equal("m: the model there was replaced; reload the model to use the new one (ortagent serve: POST /admin/reload; ortagent mcp, serve --fine-tuning: restart them)",
            OptionFlags.Describe(error));
    }

    /// <summary>A model deleted since it was loaded was told as replaced, "to use the new one": there is none.</summary>
    [Fact]
    public void AModelRemovedSinceItWasLoadedSaysToPutItBack()
    {
        var error = new ModelReplacedException("m", "m: the model there was deleted or moved", removed: true);

        Assert.Equal("m: the model there was deleted or moved; put the model back, or load the one that is to be used (a new TextClassifier from TextClassifier.Load)", error.Message);
        Assert.Equal("m: the model there was deleted or moved; put the model back, then reload it (ortagent serve: POST /admin/reload; ortagent mcp, serve --fine-tuning: restart them)",
            OptionFlags.Describe(error));
    }

    private static TrainJobOptions Train(FineTuningOptions fineTuning) => new() { FineTuning = fineTuning };

    private static string Describe<TOptions>(string property, object value) =>
        OptionFlags.Describe(new InvalidOptionException(InvalidOptionException.Name<TOptions>(property), value, "nope"));
}
