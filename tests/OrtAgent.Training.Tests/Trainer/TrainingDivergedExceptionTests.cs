using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

public sealed class TrainingDivergedExceptionTests
{
    /// <summary>Past the first step an update was applied, so the rate is the suspect, named by the option the host translates.</summary>
    [Fact]
    public void ALaterStepNamesTheRateAndItsOption()
    {
        var error = new TrainingDivergedException(37, double.PositiveInfinity, "FineTuningOptions.LearningRate", 4.2e-3);

        Assert.False(error.BeforeAnyUpdate);
        Assert.Equal("the training loss at step 37 is Infinity: the run diverged. That step was not applied and the last checkpoint is as it was; "
            + "lower FineTuningOptions.LearningRate (this step's rate: 0.0042) and train again", error.Message);
    }
}
