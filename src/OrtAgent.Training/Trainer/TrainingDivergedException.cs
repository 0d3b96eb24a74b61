using System.Globalization;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// A training step's loss, or with a finite loss its gradients, were not finite numbers: the run diverged (a learning
/// rate too high for the data), or the model it trains holds weights that are not numbers or whose gradients are not.
/// Thrown before that step's optimizer update, so the parameters and the last checkpoint on disk are as they were;
/// nothing is exported.
/// </summary>
/// <remarks>
/// Without it the step was applied: every weight became NaN, each later step and evaluation reported NaN, and the run
/// exported a model that answers nothing, after spending all its steps. Gradients can fail where the loss does not: an
/// overflow in the backward pass, or an embedding of zero length normalised (the length's gradient is 0/0).
/// </remarks>
public sealed class TrainingDivergedException : UserInputException
{
    /// <summary>Reports that the loss of <paramref name="step"/> was <paramref name="loss"/>.</summary>
    /// <param name="step">The optimizer step whose loss it was, counted from 1.</param>
    /// <param name="loss">The loss: NaN or an infinity.</param>
    /// <param name="learningRateOption">The option that set the run's learning rate (<c>FineTuningOptions.LearningRate</c>), as hosts name it in their own words.</param>
    /// <param name="learningRate">The rate the step would have been applied at.</param>
    public TrainingDivergedException(long step, double loss, string learningRateOption, double learningRate)
        : this(step, loss, gradientNorm: null, DescribeLoss(step, loss, learningRateOption, learningRate))
    {
    }

    private TrainingDivergedException(long step, double loss, double? gradientNorm, string message) : base(message)
    {
        Step = step;
        Loss = loss;
        GradientNorm = gradientNorm;
    }

    /// <summary>
    /// Reports that the gradients of <paramref name="step"/> were not finite (their global norm was
    /// <paramref name="gradientNorm"/>) while its loss, <paramref name="loss"/>, was.
    /// </summary>
    /// <param name="step">The optimizer step whose gradients they were, counted from 1.</param>
    /// <param name="loss">The step's loss, a finite number.</param>
    /// <param name="gradientNorm">The gradients' global norm before clipping: NaN or an infinity.</param>
    /// <param name="learningRateOption">The option that set the run's learning rate (<c>FineTuningOptions.LearningRate</c>), as hosts name it in their own words.</param>
    /// <param name="learningRate">The rate the step would have been applied at.</param>
    public static TrainingDivergedException GradientsNotFinite(long step, double loss, double gradientNorm, string learningRateOption, double learningRate) =>
        new(step, loss, gradientNorm, DescribeGradients(step, loss, gradientNorm, learningRateOption, learningRate));

    /// <summary>The optimizer step that was not applied, counted from 1.</summary>
    public long Step { get; }

    /// <summary>The step's loss: NaN or an infinity, unless <see cref="GradientNorm"/> says the gradients were at fault.</summary>
    public double Loss { get; }

    /// <summary>
    /// The gradients' global norm (NaN or an infinity) when they were not finite with a finite loss; null when the loss
    /// itself was not finite, and the step stopped before its gradients were looked at.
    /// </summary>
    public double? GradientNorm { get; }

    /// <summary>
    /// Whether no update had been applied yet (the first step): then no learning rate is to blame, and the model trained
    /// from holds weights that are not numbers, or whose gradients are not.
    /// </summary>
    public bool BeforeAnyUpdate => Step == 1;

    private static string DescribeLoss(long step, double loss, string learningRateOption, double learningRate) => step == 1
        ? string.Create(CultureInfo.InvariantCulture,
            $"the training loss at step 1 is {loss}, before any update: the model trained from holds weights that are not numbers; start from another")
        : string.Create(CultureInfo.InvariantCulture,
            $"the training loss at step {step} is {loss}: {Diverged(learningRateOption, learningRate)}");

    private static string DescribeGradients(long step, double loss, double gradientNorm, string learningRateOption, double learningRate) =>
        string.Create(CultureInfo.InvariantCulture, $"the gradients at step {step} are not finite numbers (their norm is {gradientNorm}, the loss {loss:g4}){(step == 1
            ? ", before any update: the model trained from holds weights whose gradients are not numbers; start from another"
            : $": {Diverged(learningRateOption, learningRate)}")}");

    private static string Diverged(string learningRateOption, double learningRate) => string.Create(CultureInfo.InvariantCulture,
        $"the run diverged; that step was not applied and the last checkpoint is as it was; lower {learningRateOption} (this step's rate: {learningRate:g4}) and train again");
}
