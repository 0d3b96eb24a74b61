namespace OrtAgent;

/// <summary>
/// A mistake the user can fix (a missing file, a bad column, a malformed row, a bad option value). Every library that
/// reports such mistakes throws this type or one derived from it (<see cref="InvalidOptionException"/>,
/// <see cref="Runtime.ModelLoadException"/>, <see cref="Runtime.DeviceUnavailableException"/>), so a host catches one
/// type: the command-line host prints <see cref="Exception.Message"/> as one line and exits with code 2. The message
/// must therefore name what was wrong and where (file, line, column, option).
/// </summary>
/// <remarks>
/// It lives in the runtime library, the lowest layer that throws it; its namespace stays <c>OrtAgent</c> so that every
/// layer above names it alike.
/// </remarks>
public class UserInputException : Exception
{
    /// <summary>Reports a mistake the user can fix.</summary>
    /// <param name="message">One line naming what was wrong and where; shown to the user as is.</param>
    public UserInputException(string message) : base(message) { }

    /// <summary>Reports a mistake the user can fix, with the error that showed it.</summary>
    /// <param name="message">One line naming what was wrong and where; shown to the user as is.</param>
    /// <param name="inner">The underlying error (I/O, parse); null when there is none.</param>
    public UserInputException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>Refuses one value a caller named, worded <c>{subject}: {problem}</c>, its parts kept as <see cref="Refusal"/>.</summary>
    /// <param name="refusal">The value as the caller named it, and what is wrong with it.</param>
    /// <param name="inner">The underlying error (I/O, parse); null when there is none.</param>
    public UserInputException(ValueRefusal refusal, Exception? inner = null) : base($"{refusal.Subject}: {refusal.Problem}", inner) => Refusal = refusal;

    /// <summary>The value refused and what is wrong with it, where the mistake is one such value; null for any other.</summary>
    public ValueRefusal? Refusal { get; }
}
