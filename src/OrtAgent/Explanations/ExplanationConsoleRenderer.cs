using System.Globalization;
using System.Text;
using OrtAgent.Runtime.Explanations;
using Spectre.Console;

namespace OrtAgent.Explanations;

/// <summary>
/// Writes an explanation to a terminal: a header with the label and the completeness gap, the text with each word's
/// background coloured by its attribution (green toward the label, red against it, stronger for larger shares), and the
/// words that pushed most for and against. Without colour support (output to a file or pipe, <c>NO_COLOR</c>, a terminal
/// without ANSI escapes such as <c>TERM=dumb</c>) the
/// words are marked in the text instead: <c>[+word+]</c> for under half of the largest share, <c>[++word++]</c> above,
/// <c>[-word-]</c> against.
/// </summary>
internal static class ExplanationConsoleRenderer
{
    /// <summary>How many words are listed for and against.</summary>
    public const int TopWords = 5;

    public static void Render(IAnsiConsole console, TextExplanation explanation)
    {
        // Paragraphs of plain segments, never markup: the user's text and labels are printed as they are (but for what
        // would drive the terminal, ForTerminal), where markup would read ":fire:" in them as an emoji code (and brackets
        // as tags, had they not been escaped).
        var probability = explanation.Probabilities.TryGetValue(explanation.Label, out var p) ? p : float.NaN;
        var header = new Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"{ForTerminal(explanation.Label)} {probability:F3}  logit {explanation.InputLogit:F3} (baseline {explanation.BaselineLogit:F3}), attributions sum {explanation.AttributionSum:F3}, completeness gap {SignedFigure.Of(explanation.CompletenessGap, 3)} ({explanation.RelativeCompletenessGap:P1}), {explanation.Steps} steps from [{explanation.Baseline.ToString().ToUpperInvariant()}]"));
        if (explanation.Label != explanation.PredictedLabel) header.Append($"  (predicted: {ForTerminal(explanation.PredictedLabel)})");
        if (explanation.ExplainsFloat32OfInt8) header.Append($"  ({ExplainedWeightsNote.Sentence})");
        WriteLine(console, header);
        // Spectre writes colours as ANSI escapes only: a terminal without them (TERM=dumb) still reports a colour system,
        // and its words were shown with neither colours nor markers.
        var capabilities = console.Profile.Capabilities;
        bool colours = capabilities.Ansi && capabilities.ColorSystem != ColorSystem.NoColors;
        var marked = MarkedText(explanation, colours);
        if (explanation.Truncated) marked.Append(" (text cut at the model's maximum length)", new Style(decoration: Decoration.Dim));
        WriteLine(console, marked);
        WriteLine(console, new Paragraph("for:", new Style(Color.Green))
            .Append(" " + Listed(explanation.Words.Where(w => w.Attribution > 0).OrderByDescending(w => w.Attribution))));
        WriteLine(console, new Paragraph("against:", new Style(Color.Red))
            .Append(" " + Listed(explanation.Words.Where(w => w.Attribution < 0).OrderBy(w => w.Attribution))));
    }

    private static void WriteLine(IAnsiConsole console, Paragraph line)
    {
        console.Write(line);
        console.WriteLine();
    }

    /// <summary>
    /// The original text, whitespace and all, with every explained word wrapped in a background colour, or in plain
    /// markers without <paramref name="colours"/>.
    /// </summary>
    private static Paragraph MarkedText(TextExplanation explanation, bool colours)
    {
        double scale = explanation.Words.Count == 0 ? 1 : Math.Max(1e-12, explanation.Words.Max(w => Math.Abs(w.Attribution)));
        // One character for one, so the words' offsets still fall where they did.
        var text = ForTerminal(explanation.Text);
        var marked = new Paragraph();
        int position = 0;
        foreach (var word in explanation.Words)
        {
            marked.Append(text[position..word.Start]);
            double strength = Math.Abs(word.Attribution) / scale;
            // Blend from the terminal's white towards green or red; words with under 10% of the largest share stay plain.
            var colour = word.Attribution > 0 ? Blend(strength, 40, 160, 60) : Blend(strength, 200, 40, 40);
            string marker = word.Attribution > 0 ? (strength < 0.5 ? "+" : "++") : "-";
            var shown = text.Substring(word.Start, word.Length);
            if (strength < 0.1) marked.Append(shown);
            else if (colours) marked.Append(shown, new Style(Color.Black, new Color((byte)colour.R, (byte)colour.G, (byte)colour.B)));
            else marked.Append($"[{marker}{shown}{marker}]");
            position = word.Start + word.Length;
        }
        if (!explanation.Truncated) marked.Append(text[position..]);
        return marked;
    }

    /// <summary><paramref name="text"/> with each of <see cref="DisplayControls"/> as '?', one for one.</summary>
    private static string ForTerminal(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (int i = 0; i < source.Length; i++) span[i] = DisplayControls.Contains(source[i]) ? '?' : source[i];
    });

    private static (int R, int G, int B) Blend(double strength, int r, int g, int b)
    {
        static int Mix(double t, int to) => (int)Math.Round(255 + (to - 255) * Math.Clamp(t, 0, 1));
        return (Mix(strength, r), Mix(strength, g), Mix(strength, b));
    }

    private static string Listed(IEnumerable<WordAttribution> words)
    {
        var top = words.Take(TopWords).Select(w => string.Create(CultureInfo.InvariantCulture, $"{ForTerminal(w.Text)} ({SignedFigure.Of(w.Attribution, 3)})")).ToList();
        return top.Count == 0 ? "-" : string.Join(", ", top);
    }
}
