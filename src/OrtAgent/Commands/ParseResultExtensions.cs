using System.CommandLine;

namespace OrtAgent.Commands;

internal static class ParseResultExtensions
{
    /// <summary>Whether <paramref name="option"/> is on the command line, rather than taking its default.</summary>
    public static bool WasGiven(this ParseResult parseResult, Option option) => parseResult.GetResult(option) is { Implicit: false };
}
