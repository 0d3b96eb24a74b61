using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// Text from outside the program (a folder's path or name, a file's) as Spectre markup that shows it on the terminal
/// as written, but for what would drive the terminal: <see cref="PrintableText.Escape(string)"/> shows control and
/// format characters as '?', as every error message does, and the markup's own brackets are escaped.
/// </summary>
internal static class ConsoleMarkup
{
    /// <summary><paramref name="text"/> as markup that prints it literally, unprintable characters as '?'.</summary>
    public static string Literal(string text) => Markup.Escape(PrintableText.Escape(text));
}
