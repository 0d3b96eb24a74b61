using System.Text.Json;

namespace OrtAgent.Runtime;

/// <summary>
/// Says why a JSON text was refused, for every JSON route (serve's and the fine-tuning service's) and the JSON files a
/// model directory holds (config.json, base.json), so no refusal passes System.Text.Json's own wording on.
/// </summary>
public static class JsonParseProblem
{
    /// <summary>
    /// Why System.Text.Json refused a body, in plain words with where it stopped: its own message names its internals
    /// ("Expected depth to be zero at the end of the JSON payload", "LineNumber: 0 | BytePositionInLine: 9").
    /// </summary>
    public static string Describe(JsonException exception)
    {
        string said = exception.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.', ' ');
        string reason = said switch
        {
            _ when said.StartsWith("Expected depth to be zero", StringComparison.Ordinal)
                || said.Contains("reached end of data", StringComparison.Ordinal) => "it ends before the JSON value is complete",
            _ when said.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal) => "it is empty",
            _ when said.StartsWith("The maximum configured depth", StringComparison.Ordinal) => "it nests objects and arrays too deeply",
            _ when said.EndsWith("is an invalid start of a value", StringComparison.Ordinal) => said.Replace("is an invalid start of a value", "cannot start a JSON value", StringComparison.Ordinal),
            _ when said.Contains("is invalid after a single JSON value", StringComparison.Ordinal) => "more follows the JSON value",
            _ when said.Contains("contains a trailing comma", StringComparison.Ordinal) => "a comma is followed by nothing (a trailing comma)",
            _ when said.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal) && exception.Path is { Length: > 1 } field
                => $"{field} has a value of the wrong type",
            _ when said.Contains(" is an invalid start of a property name", StringComparison.Ordinal)
                => said[..said.IndexOf(" is an invalid start of a property name", StringComparison.Ordinal)] + " cannot start a property name (names are in double quotes)",
            _ => said,
        };
        return exception.BytePositionInLine is not long position ? reason
            : exception.LineNumber is > 0 and var line ? $"{reason} (at line {line + 1}, byte {position})"
            : $"{reason} (at byte {position})";
    }
}
