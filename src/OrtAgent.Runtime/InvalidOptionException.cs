using System.Globalization;

namespace OrtAgent;

/// <summary>
/// An option value that cannot work, named as the library's C# API names it: the options type and property
/// (<c>FineTuningOptions.Epochs = 0: must be at least 1</c>). A host that exposes the option under another name
/// (the command line's <c>--epochs</c>) rebuilds its own line from <see cref="Option"/>, <see cref="Value"/> and
/// <see cref="Problem"/>.
/// </summary>
public class InvalidOptionException : UserInputException
{
    /// <param name="option">The option as <c>Type.Property</c>, e.g. <c>FineTuningOptions.Epochs</c>.</param>
    /// <param name="value">The value that was given.</param>
    /// <param name="problem">What is wrong with it, e.g. <c>must be at least 1</c>.</param>
    /// <param name="inner">The failure that showed the value cannot work, if any.</param>
    /// <exception cref="ArgumentNullException"><paramref name="option"/> or <paramref name="problem"/> is null.</exception>
    public InvalidOptionException(string option, object? value, string problem, Exception? inner = null)
        : base(MessageOf(option, value, problem), inner)
    {
        Option = option;
        Value = value;
        Problem = problem;
    }

    // Checked here, in the base constructor's argument, so a null option or problem is refused before any message is made of it.
    private static string MessageOf(string option, object? value, string problem)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(problem);
        return $"{option} = {Display(value)}: {problem}";
    }

    /// <summary>The option as <c>Type.Property</c>.</summary>
    public string Option { get; }

    /// <summary>The value that was given.</summary>
    public object? Value { get; }

    /// <summary>What is wrong with the value, without the option's name.</summary>
    public string Problem { get; }

    /// <summary>A value as messages show it: strings quoted, numbers in the invariant culture (real ones as <see cref="NumberText"/> writes them: 5e-5, not 5E-05).</summary>
    public static string Display(object? value) => value switch
    {
        null => "null",
        string text => $"'{text}'",
        double real => NumberText.Of(real),
        float real => NumberText.Of(real),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The name <c>Type.Property</c> that <see cref="Option"/> holds, for throwers and for hosts' tables.</summary>
    public static string Name<TOptions>(string property) => $"{typeof(TOptions).Name}.{property}";
}
