namespace OrtAgent;

/// <summary>
/// A mistake the user can fix (a missing file, a bad column, a malformed row, a bad option value).
/// The command-line host prints <see cref="Exception.Message"/> as one line and exits with code 2;
/// the message must therefore name what was wrong and where (file, line, column, option).
/// </summary>
public class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }

    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
