using System.Text.RegularExpressions;

namespace OrtAgent.Training.Parameters;

/// <summary>
/// A shell-style pattern over parameter names: <c>*</c> matches any run of characters (dots included),
/// <c>?</c> one character; everything else is literal. Matching is case-sensitive, like PyTorch state-dict keys. A
/// pattern that matches a name up to one of its dots names a module and takes everything under it, as PyTorch's module
/// names do: <c>embeddings</c> is <c>embeddings.*</c>, <c>encoder.layer.1</c> is <c>encoder.layer.1.*</c> (not
/// <c>encoder.layer.10.*</c>); <c>--freeze embeddings</c>, the form the help shows, matched no parameter.
/// </summary>
public sealed class NameGlob
{
    private readonly Regex _regex;

    private NameGlob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    /// <summary>The pattern as given to <see cref="Parse"/>.</summary>
    public string Pattern { get; }

    /// <exception cref="UserInputException">The pattern is empty.</exception>
    public static NameGlob Parse(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
            throw new UserInputException("a parameter name pattern must not be empty");
        var body = Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".");
        return new NameGlob(pattern, new Regex($@"^{body}(?:\..*)?$", RegexOptions.CultureInvariant));
    }

    /// <summary>Whether the whole of <paramref name="name"/>, or the part of it before one of its dots, matches (case-sensitive).</summary>
    public bool IsMatch(string name) => _regex.IsMatch(name);

    /// <summary>True when any of <paramref name="globs"/> matches <paramref name="name"/>.</summary>
    public static bool AnyMatch(IEnumerable<NameGlob> globs, string name) => globs.Any(g => g.IsMatch(name));

    /// <summary>The pattern as given.</summary>
    public override string ToString() => Pattern;
}
