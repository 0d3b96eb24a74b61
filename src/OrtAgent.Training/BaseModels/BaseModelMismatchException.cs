namespace OrtAgent.Training.BaseModels;

/// <summary>
/// A base model that is not the one a run's trained weights need (a resumed run's, or a model's a run continues): another
/// vocabulary, fewer positions than the run reads its texts to, another base altogether. Its
/// <see cref="InvalidOptionException.Problem"/> is <see cref="Mismatch"/> and then what the option's caller does about it
/// (gives the base the weights were trained from). A host whose callers do not choose the base (the fine-tuning service,
/// whose bases are its operator's) takes <see cref="Mismatch"/> and says what its own callers can do.
/// </summary>
/// <param name="option">The option that chose the base, as <c>Type.Property</c>.</param>
/// <param name="value">Its value.</param>
/// <param name="mismatch">What differs, naming the base's files by their paths.</param>
/// <param name="remedy">What the option's caller does about it.</param>
internal sealed class BaseModelMismatchException(string option, object? value, string mismatch, string remedy)
    : InvalidOptionException(option, value, $"{mismatch}; {remedy}")
{
    /// <summary>The remedy of a base that is not the one trained on, for the caller who chose it.</summary>
    public const string GiveTheTrainedBase = "give the base it was trained from";

    /// <summary>What differs between the base and the one the weights were trained on, without what to do about it.</summary>
    public string Mismatch { get; } = mismatch;
}
