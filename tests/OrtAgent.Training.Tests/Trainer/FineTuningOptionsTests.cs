using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>The options check every value up front and name the property at fault, never a command-line flag.</summary>
public sealed class FineTuningOptionsTests
{
    public static TheoryData<FineTuningOptions, string> BadOptions => new()
    {
        { new() { Epochs = 0 }, "FineTuningOptions.Epochs = 0: must be at least 1" },
        { new() { BatchSize = 0 }, "FineTuningOptions.BatchSize = 0: must be at least 1" },
        { new() { GradientAccumulation = 0 }, "FineTuningOptions.GradientAccumulation = 0: must be at least 1" },
        { new() { LearningRate = 1.5 }, "FineTuningOptions.LearningRate = 1.5: must be above 0 and below 1" },
        { new() { LearningRate = double.NaN }, "FineTuningOptions.LearningRate = NaN: must be above 0 and below 1" },
        { new() { MaxGradNorm = -1 }, "FineTuningOptions.MaxGradNorm = -1: must be 0 (off) or a positive finite number" },
        { new() { MaxGradNorm = double.PositiveInfinity }, "FineTuningOptions.MaxGradNorm = Infinity: must be 0 (off) or a positive finite number" },
        { new() { EvaluateEverySteps = -2 }, "FineTuningOptions.EvaluateEverySteps = -2: must be 0 or positive" },
        { new() { LogEverySteps = 0 }, "FineTuningOptions.LogEverySteps = 0: must be at least 1" },
        { new() { WarmupRatio = 1.5 }, "FineTuningOptions.WarmupRatio = 1.5: must be between 0 and 1" },
        { new() { Scheduler = (LearningRateScheduleKind)9 }, "FineTuningOptions.Scheduler = 9: expected linear, cosine or constant" },
        { new() { Metric = (ValidationMetric)9 }, "FineTuningOptions.Metric = 9: expected accuracy, macro_f1 or loss" },
        { new() { Seed = -5 }, "FineTuningOptions.Seed = -5: must be 0 or more" },
        { new() { Patience = -1 }, "FineTuningOptions.Patience = -1: must be 0 (off) or more" },
        { new() { CheckpointInterval = TimeSpan.FromSeconds(-1) }, "FineTuningOptions.CheckpointInterval = -00:00:01: must be 0 (every step), positive, or Timeout.InfiniteTimeSpan (epoch ends only)" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadValueNamesItsProperty(FineTuningOptions options, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.Equal(message, error.Message);
        Assert.Equal(message[..message.IndexOf(" = ", StringComparison.Ordinal)], error.Option);
        Assert.DoesNotContain("--", error.Message);
    }

    [Fact]
    public void TheDefaultsAreValid() => new FineTuningOptions().Validate();

    /// <summary>
    /// A rate left unset is a resumed run's own, else the default of what the run trains; one set is kept, full
    /// fine-tuning's default on a LoRA run included (it could not be told from one left out, and became LoRA's).
    /// </summary>
    [Fact]
    public void AnUnsetRateResolvesToTheRunsDefaultAndASetOneIsKept()
    {
        var unset = new FineTuningOptions();
        var set = new FineTuningOptions { LearningRate = 5e-5 };

        Assert.Null(unset.LearningRate);
        Assert.Equal(5e-5, unset.WithLearningRateResolved(loraAdapters: false).LearningRate);
        Assert.Equal(1e-3, unset.WithLearningRateResolved(loraAdapters: true).LearningRate);
        Assert.Equal(5e-5, unset.WithLearningRateResolved(loraAdapters: true, resumedRate: 5e-5).LearningRate);
        Assert.Equal(5e-5, set.WithLearningRateResolved(loraAdapters: true).LearningRate);
        Assert.Equal(5e-5, set.WithLearningRateResolved(loraAdapters: true, resumedRate: 1e-3).LearningRate);
    }
}
