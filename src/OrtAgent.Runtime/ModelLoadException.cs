namespace OrtAgent.Runtime;

/// <summary>
/// A model directory that cannot be served: a missing file, a model without OrtAgent metadata, or inputs
/// the runtime does not understand. The message names the directory and what is wrong, fit to show a user.
/// </summary>
/// <remarks>
/// A model that loads but cannot be explained is the derived <see cref="Explanations.ExplainGraphUnavailableException"/>;
/// one replaced on disk since it was loaded is the derived <see cref="ModelReplacedException"/>.
/// </remarks>
public class ModelLoadException : UserInputException
{
    /// <summary>Reports a model that cannot be served.</summary>
    /// <param name="message">Names the directory and what is wrong; shown to the user as is.</param>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Reports a model that cannot be served, with the error that showed it.</summary>
    /// <param name="message">Names the directory and what is wrong; shown to the user as is.</param>
    /// <param name="inner">The I/O, parse or ONNX Runtime error behind it; null when there is none.</param>
    public ModelLoadException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>Reports a model directory that cannot be served, its parts kept (<see cref="UserInputException.Refusal"/>).</summary>
    /// <param name="refusal">The directory as the caller named it, and what is wrong with it.</param>
    public ModelLoadException(ValueRefusal refusal) : base(refusal) { }
}
