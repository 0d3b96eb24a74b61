using System.Globalization;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// A training step's loss was not a finite number: the run diverged (a learning rate too high for the data), or the
/// model it trains holds weights that are not numbers. Thrown before that step's optimizer update, so the parameters
/// and the last checkpoint on disk are as they were; nothing is exported.
/// </summary>
/// <remarks>
/// Without it the step was applied: every weight became NaN, each later step and evaluation reported NaN, and the run
/// exported a model that answers nothing, after spending all its steps.
/// </remarks>
public sealed class TrainingDivergedException : UserInputException
{
    /// <summary>Reports that the loss of <paramref name="step"/> was <paramref name="loss"/>.</summary>
    /// <param name="step">The optimizer step whose loss it was, counted from 1.</param>
    /// <param name="loss">The loss: NaN or an infinity.</param>
    /// <param name="learningRateOption">The option that set the run's learning rate (<c>FineTuningOptions.LearningRate</c>), as hosts name it in their own words.</param>
    /// <param name="learningRate">The rate the step would have been applied at.</param>
    public TrainingDivergedException(long step, double loss, string learningRateOption, double learningRate)
        : base(Describe(step, loss, learningRateOption, learningRate))
    {
        Step = step;
        Loss = loss;
    }

    /// <summary>The optimizer step whose loss was not finite, counted from 1.</summary>
    public long Step { get; }

    /// <summary>The loss: NaN or an infinity.</summary>
    public double Loss { get; }

    /// <summary>
    /// Whether no update had been applied yet (the first step): then no learning rate is to blame, and the model trained
    /// from holds weights that are not numbers.
    /// </summary>
    public bool BeforeAnyUpdate => Step == 1;

    private static string Describe(long step, double loss, string learningRateOption, double learningRate) => step == 1
        ? string.Create(CultureInfo.InvariantCulture,
            $"the training loss at step 1 is {loss}, before any update: the model trained from holds weights that are not numbers; start from another")
        : string.Create(CultureInfo.InvariantCulture,
            $"the training loss at step {step} is {loss}: the run diverged. That step was not applied and the last checkpoint is as it was; lower {learningRateOption} (this step's rate: {learningRate:g4}) and train again");
}
