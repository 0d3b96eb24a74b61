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
        Assert.Equal("the training loss at step 37 is Infinity: the run diverged; that step was not applied and the last checkpoint is as it was; "
            + "lower FineTuningOptions.LearningRate (this step's rate: 0.0042) and train again", error.Message);
    }

    /// <summary>Gradients that overflowed with a finite loss are named as such, with the loss beside their norm.</summary>
    [Fact]
    public void GradientsThatAreNotFiniteAreNamedAsTheCause()
    {
        var error = TrainingDivergedException.GradientsNotFinite(12, 0.6931472, double.PositiveInfinity, "ContrastiveOptions.LearningRate", 2e-5);

        Assert.Equal(12, error.Step);
        Assert.Equal(double.PositiveInfinity, error.GradientNorm);
        Assert.False(error.BeforeAnyUpdate);
        Assert.Equal("the gradients at step 12 are not finite numbers (their norm is Infinity, the loss 0.6931): the run diverged; that step was not applied "
            + "and the last checkpoint is as it was; lower ContrastiveOptions.LearningRate (this step's rate: 2e-05) and train again", error.Message);
        Assert.Null(new TrainingDivergedException(37, double.NaN, "FineTuningOptions.LearningRate", 4.2e-3).GradientNorm);
    }
}
