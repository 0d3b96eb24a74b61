using OrtAgent.Tests.Serving;

namespace OrtAgent.LoadTest;

/// <summary>The texts the clients send in turn: the serving tests' sentences, or one per non-blank line of <c>--texts FILE</c>.</summary>
internal static class LoadTestTexts
{
    /// <exception cref="UserInputException">The file cannot be read, or has no text to send.</exception>
    public static IReadOnlyList<string> Read(string? file)
    {
        if (file is null) return ToyClassifierModel.SentimentSentences().Select(s => s.Text).ToArray();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--texts {file}: cannot be read: {ex.Message}", ex);
        }
        var texts = lines.Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        // The clients take texts by turns, modulo the count: none would be a division by zero mid-run.
        return texts.Length > 0 ? texts : throw new UserInputException($"--texts {file}: no non-blank line, so no text to send");
    }
}
