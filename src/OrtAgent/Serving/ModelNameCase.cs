namespace OrtAgent.Serving;

/// <summary>
/// What a 404 for a model name adds when a served model's name differs from it only by case. Names over HTTP stay
/// exact, as OpenAI's model ids are case-sensitive (MCP tools, written for a model to call, match ignoring case), but
/// "FT:MINILM:…" for "ft:minilm:…" was answered as a name nobody knows.
/// </summary>
internal static class ModelNameCase
{
    /// <summary>"; model ids are case-sensitive: did you mean 'NAME'?" for the served name that <paramref name="asked"/> misses only by case; otherwise "".</summary>
    public static string Hint(string asked, IEnumerable<string> served) =>
        served.FirstOrDefault(name => name != asked && string.Equals(name, asked, StringComparison.OrdinalIgnoreCase)) is { } meant
            ? $"; model ids are case-sensitive: did you mean '{meant}'?"
            : "";
}
