using OrtAgent.Data;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Data;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Artifacts;

/// <summary>
/// settings.json, the record of the settings a run began with: written and read in the format <c>ortagent train</c>
/// has written since 2026-12-04, so runs it left stay resumable; compared setting by setting.
/// </summary>
public sealed class RecordedSettingsTests : IDisposable
{
    // A record as ortagent train wrote it for `--epochs 4 --lr 2e-5 --scheduler cosine --metric macro-f1 --keep last
    // --min-steps 0 --seed 7 --head-c-grid 0.1,1` before the record moved into the library.
    private const string CliRecord = """
        {
          "fine_tuning": {
            "epochs": 4,
            "batch_size": 16,
            "gradient_accumulation": 1,
            "learning_rate": 2E-05,
            "scheduler": "Cosine",
            "warmup_ratio": 0.1,
            "max_grad_norm": 1,
            "patience": 2,
            "metric": "MacroF1",
            "seed": 7,
            "evaluate_every_steps": 0,
            "minimum_steps": 0,
            "smoothing_window": 3,
            "minimum_validation_to_select": 20,
            "keep": "Last",
            "log_every_steps": 1
          },
          "contrastive": {
            "pair_rounds": 20,
            "minimum_steps": 100,
            "epochs": 1,
            "batch_size": 16,
            "learning_rate": 2E-05,
            "warmup_ratio": 0.1,
            "max_grad_norm": 1,
            "seed": 42,
            "head_c": null,
            "head_c_grid": [
              0.1,
              1
            ],
            "minimum_validation_to_select": 20,
            "head_folds": 5,
            "log_every_steps": 1
          },
          "method_reason": "standard (--method standard)"
        }
        """;

    private readonly TempDirectory _root = new("recorded-settings");

    public void Dispose() => _root.Dispose();

    private static readonly FineTuningOptions CliFineTuning = new()
    {
        Epochs = 4, LearningRate = 2e-5, Scheduler = LearningRateScheduleKind.Cosine, Metric = ValidationMetric.MacroF1,
        Keep = ModelToKeep.Last, MinimumSteps = 0, Seed = 7,
    };

    // The command line sets the pairs' seed itself (from --seed); left unset, it is the run's, resolved before it is recorded.
    private static readonly ContrastiveOptions CliContrastive = new() { HeadCGrid = [0.1, 1], Seed = 42 };

    private string RunWith(string record)
    {
        var directory = _root.Combine("run");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, TrainingArtifacts.SettingsRecordFile), record);
        return directory;
    }

    [Fact]
    public void ReadsARecordTheCommandLineWrote()
    {
        var recorded = RecordedSettings.Read(RunWith(CliRecord));

        Assert.NotNull(recorded);
        Assert.Equal(CliFineTuning, recorded.FineTuning);
        Assert.Equal([0.1, 1], recorded.Contrastive.HeadCGrid);
        Assert.Null(recorded.Contrastive.HeadC);
        Assert.Equal(20, recorded.Contrastive.PairRounds);
        // Written before the stage-1 loss was a setting: the cosine loss, the only one there was.
        Assert.Equal(ContrastiveLoss.CosineSimilarity, recorded.Contrastive.Loss);
        Assert.Equal("standard (--method standard)", recorded.MethodReason);
        Assert.Empty(RecordedSettings.Changes(CliFineTuning, recorded.FineTuning));
        Assert.Empty(RecordedSettings.Changes(CliContrastive, recorded.Contrastive));
    }

    [Fact]
    public void WritesTheCommandLinesFormat()
    {
        var directory = _root.Combine("written");
        Directory.CreateDirectory(directory);

        new RecordedSettings(CliFineTuning, CliContrastive, "standard (--method standard)").Write(directory);

        // The record as it was, with the stage-1 loss since 2026-12-06; a temperature left unset is left out, as it was before.
        var expected = CliRecord.ReplaceLineEndings("\n").Replace("    \"minimum_steps\": 100,\n",
            "    \"minimum_steps\": 100,\n    \"loss\": \"CosineSimilarity\",\n", StringComparison.Ordinal);
        Assert.NotEqual(CliRecord.ReplaceLineEndings("\n"), expected);
        Assert.Equal(expected,
            File.ReadAllText(Path.Combine(directory, TrainingArtifacts.SettingsRecordFile)).ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// Records written on 2026-12-06 hold "temperature": 0.07 for every run: a cosine run's reads as none (it never reads
    /// one, and ContrastiveOptions.Validate refuses one with the cosine loss), a supervised contrastive run's as written,
    /// and one without a temperature as the default.
    /// </summary>
    [Theory]
    [InlineData("CosineSimilarity", "    \"temperature\": 0.07,\n", null)]
    [InlineData("CosineSimilarity", "    \"temperature\": 0.5,\n", null)]
    [InlineData("SupervisedContrastive", "    \"temperature\": 0.1,\n", 0.1)]
    [InlineData("SupervisedContrastive", "", 0.07)]
    public void ARecordedTemperatureIsReadAsTheRunReadsIt(string loss, string temperatureLine, double? expected)
    {
        var record = CliRecord.ReplaceLineEndings("\n").Replace("    \"minimum_steps\": 100,\n",
            $"    \"minimum_steps\": 100,\n    \"loss\": \"{loss}\",\n{temperatureLine}", StringComparison.Ordinal);

        var recorded = RecordedSettings.Read(RunWith(record))!;

        Assert.Equal(expected, recorded.Contrastive.Temperature);
        recorded.Contrastive.Validate();
    }

    /// <summary>The model a run started from is recorded by its full path, and read back; a run from its base records none.</summary>
    [Fact]
    public void TheModelARunStartedFromIsRecordedAndReadBack()
    {
        var directory = _root.Combine("from-model");
        Directory.CreateDirectory(directory);
        string model = _root.Combine("models", "last-month");

        new RecordedSettings(CliFineTuning, CliContrastive, "standard (--method standard)", model).Write(directory);

        string text = File.ReadAllText(Path.Combine(directory, TrainingArtifacts.SettingsRecordFile));
        Assert.Contains($"\"init_from\": {System.Text.Json.JsonSerializer.Serialize(model)}", text);
        Assert.Equal(model, RecordedSettings.Read(directory)!.InitFrom);
        Assert.Null(RecordedSettings.Read(RunWith(CliRecord))!.InitFrom);
    }

    [Fact]
    public void ARecordWithoutItsMethodReasonIsReadAsItWasWrittenBefore20261205()
    {
        var before = CliRecord[..CliRecord.LastIndexOf(',')] + "\n}";

        var recorded = RecordedSettings.Read(RunWith(before));

        Assert.NotNull(recorded);
        Assert.Null(recorded.MethodReason);
        Assert.Equal(CliFineTuning, recorded.FineTuning);
    }

    [Fact]
    public void ARunWithoutARecordHasNone() => Assert.Null(RecordedSettings.Read(_root.Path));

    [Theory]
    [InlineData("{ \"fine_tuning\": ")]
    [InlineData("{ \"contrastive\": {} }")]
    public void AnUnreadableRecordIsRefusedNamingItsFileInTheLibrarysWords(string record)
    {
        var directory = RunWith(record);

        var error = Assert.Throws<UserInputException>(() => RecordedSettings.Read(directory));

        Assert.StartsWith($"{Path.Combine(directory, TrainingArtifacts.SettingsRecordFile)}: the run's recorded settings are unreadable (", error.Message);
        Assert.EndsWith("; start a new run in the directory", error.Message);
        Assert.DoesNotContain("--", error.Message);
    }

    [Fact]
    public void ChangesNamesEachSettingGivenOtherwiseButNotHowOftenStepsAreLoggedNorCheckpointsWritten()
    {
        var given = CliFineTuning with { LearningRate = 1e-4, Keep = ModelToKeep.Best, LogEverySteps = 10, CheckpointInterval = TimeSpan.Zero };

        Assert.Equal([new SettingChange("FineTuningOptions.LearningRate", 1e-4, 2e-5), new SettingChange("FineTuningOptions.Keep", ModelToKeep.Best, ModelToKeep.Last)],
            RecordedSettings.Changes(given, CliFineTuning));
        // Lists are compared item by item, not by reference.
        Assert.Empty(RecordedSettings.Changes(CliContrastive with { HeadCGrid = [0.1, 1.0] }, CliContrastive));
        // When checkpoints are written is not recorded, so a resume cannot compare it: it was refused as a change
        // from the record's default, 10 minutes, though the run had begun with the same interval.
        Assert.Empty(RecordedSettings.Changes(CliContrastive with { CheckpointInterval = Timeout.InfiniteTimeSpan }, CliContrastive));
        Assert.Equal(["ContrastiveOptions.HeadCGrid"],
            RecordedSettings.Changes(CliContrastive with { HeadCGrid = [0.1, 10] }, CliContrastive).Select(c => c.Option));
    }

    /// <summary>The examples' digests are recorded and read back; a record written before them reads none, and is checked against none.</summary>
    [Fact]
    public void TheDataDigestsAreRecordedAndReadBackAndAnOlderRecordHasNone()
    {
        var directory = _root.Combine("with-data");
        Directory.CreateDirectory(directory);
        var data = new DataDigest(ExampleDigest.Of([new("good film", "positive")]), 1, ExampleDigest.Of([new("bad film", "negative")]), 1, 0.1);

        new RecordedSettings(CliFineTuning, CliContrastive, "standard (--method standard)", Data: data).Write(directory);

        string text = File.ReadAllText(Path.Combine(directory, TrainingArtifacts.SettingsRecordFile));
        Assert.Contains($"\"training\": \"{data.Training}\"", text);
        Assert.Contains("\"validation_fraction\": 0.1", text);
        Assert.Equal(data, RecordedSettings.Read(directory)!.Data);
        Assert.Null(RecordedSettings.Read(RunWith(CliRecord))!.Data);
        // Validation given apart records no fraction.
        new RecordedSettings(CliFineTuning, CliContrastive, Data: data with { ValidationFraction = null }).Write(directory);
        Assert.DoesNotContain("validation_fraction", File.ReadAllText(Path.Combine(directory, TrainingArtifacts.SettingsRecordFile)));
    }

    [Fact]
    public void TheExamplesDigestFollowsTheTextsLabelsAndOrderNotWhereOneFieldEnds()
    {
        LabeledExample[] examples = [new("good film", "positive"), new("bad film", "negative")];

        Assert.Equal(ExampleDigest.Of(examples), ExampleDigest.Of(examples.Select(e => new LabeledExample(new string(e.Text), new string(e.Label)))));
        Assert.Equal(64, ExampleDigest.Of(examples).Length);
        Assert.NotEqual(ExampleDigest.Of(examples), ExampleDigest.Of(examples.Reverse()));
        Assert.NotEqual(ExampleDigest.Of(examples), ExampleDigest.Of([examples[0], examples[1] with { Label = "positive" }]));
        Assert.NotEqual(ExampleDigest.Of([new("ab", "c")]), ExampleDigest.Of([new("a", "bc")]));
        var recorded = new DataDigest(ExampleDigest.Of(examples), 2, ExampleDigest.Of([]), 0);
        Assert.Null(recorded.TrainingChange(recorded with { }));
        Assert.Equal("2 examples, as many as it began with, but other texts or labels, or the same ones in another order",
            recorded.TrainingChange(recorded with { Training = ExampleDigest.Of(examples.Reverse()) }));
        Assert.Equal("1 example where it began with 2", recorded.TrainingChange(recorded with { Training = ExampleDigest.Of(examples[..1]), TrainingExamples = 1 }));
    }
}
