namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// The facade's refusals of a path it was given as an option, as the <see cref="InvalidOptionException"/> naming
/// <c>Type.Property</c> that <see cref="TextClassifierTrainer"/>'s remarks promise. The checks it runs are shared with the
/// command line (<see cref="Checkpoints.DestinationGuard"/>, the model readers), which refuse a value named by the
/// caller's <c>what</c> as a <see cref="ValueRefusal"/>: here that is the option and its value, and a refusal of it is
/// thrown again as the option's, its problem kept word for word. The refusal's parts say whose it is, not its message.
/// </summary>
internal static class OptionRefusal
{
    /// <summary>Runs <paramref name="check"/>, given how to name the value (<c>Type.Property value</c>), and throws its refusals as the option's.</summary>
    /// <exception cref="InvalidOptionException">The check refused the value.</exception>
    public static void Check(string option, string value, Action<string> check) =>
        Check(option, value, what => { check(what); return true; });

    /// <inheritdoc cref="Check(string, string, Action{string})"/>
    public static T Check<T>(string option, string value, Func<string, T> check)
    {
        string what = $"{option} {value}";
        try
        {
            return check(what);
        }
        catch (UserInputException ex) when (ex is not InvalidOptionException && ex.Refusal is { } refusal && refusal.Subject == what)
        {
            throw new InvalidOptionException(option, value, refusal.Problem, ex);
        }
    }
}
