using System.Globalization;
using System.Net;
using System.Text;
using OrtAgent.Inference;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Explanations;

/// <summary>
/// <c>explain --html FILE</c>: one self-contained page (inline style, no scripts, nothing fetched) with each text's
/// words highlighted by attribution, each word's value in its tooltip, and the label, logits and completeness gap.
/// </summary>
internal static class ExplanationHtmlPage
{
    /// <summary>
    /// Checks, before anything is explained, that <paramref name="path"/> names an <c>.html</c> file in an existing folder
    /// outside the model directory being read.
    /// </summary>
    /// <exception cref="UserInputException">Another extension, a folder, a missing directory, or a file in the model.</exception>
    public static void CheckPath(string path, string modelDirectory)
    {
        if (Path.GetExtension(path).ToLowerInvariant() is not (".html" or ".htm"))
            throw new UserInputException($"--html {path}: the page is written to an .html file; name one");
        AtomicOutputFile.CheckLocation(path, "--html page", modelDirectory);
    }

    /// <summary>
    /// Writes the page for <paramref name="explanations"/> to <paramref name="path"/> under a temporary name, then
    /// renames it into place, so the file holds either its old content or the whole new page.
    /// </summary>
    /// <exception cref="UserInputException">The page cannot be written there.</exception>
    public static void Write(string path, string modelDirectory, IReadOnlyList<TextExplanation> explanations)
    {
        CheckPath(path, modelDirectory);
        using var page = AtomicOutputFile.CreateText(path);
        page.Writer.Write(Render(modelDirectory, explanations));
        page.Commit();
    }

    /// <summary>The page's HTML.</summary>
    public static string Render(string modelDirectory, IReadOnlyList<TextExplanation> explanations)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>OrtAgent explanations</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
            section{border-top:1px solid #ddd;padding:1rem 0}
            .text{font-size:1.25rem;line-height:2.2rem}
            .text span{padding:.15rem .1rem;border-radius:.2rem}
            .meta{color:#555;font-size:.9rem}
            .legend span{padding:0 .4rem;border-radius:.2rem}
            .control{font-size:.7em;border:1px solid #888;border-radius:.2rem;padding:0 .15rem;color:#555}
            </style></head><body>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<h1>Why the classifier decided</h1><p class=\"meta\">Model {Encode(modelDirectory)}. Integrated gradients over the word embeddings; each word's share of the explained label's logit. <span class=\"legend\"><span style=\"background:rgba(40,160,60,.6)\">toward the label</span> <span style=\"background:rgba(200,40,40,.6)\">against it</span></span></p>\n");
        foreach (var explanation in explanations) AppendSection(html, explanation);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendSection(StringBuilder html, TextExplanation e)
    {
        var probability = e.Probabilities.TryGetValue(e.Label, out var p) ? p : float.NaN;
        html.Append(CultureInfo.InvariantCulture, $"<section><h2>{Encode(e.Label)} <small>{probability:F3}</small></h2>\n");
        // The page shows the fp32 model's score, which the int8 model's predict may give slightly otherwise.
        if (e.ExplainsFloat32OfInt8) html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Encode(ExplainedWeightsNote.Sentence)}</p>\n");
        html.Append("<p class=\"text\">");
        double scale = e.Words.Count == 0 ? 1 : Math.Max(1e-12, e.Words.Max(w => Math.Abs(w.Attribution)));
        int position = 0;
        foreach (var word in e.Words)
        {
            html.Append(Encode(e.Text[position..word.Start]));
            double strength = Math.Min(1, Math.Abs(word.Attribution) / scale);
            string rgb = word.Attribution >= 0 ? "40,160,60" : "200,40,40";
            html.Append(CultureInfo.InvariantCulture,
                $"<span style=\"background:rgba({rgb},{strength * 0.75:F3})\" title=\"{SignedFigure.Of(word.Attribution, 4)}\">{Encode(word.Text)}</span>");
            position = word.Start + word.Length;
        }
        html.Append(e.Truncated ? " <em>(cut at the model's maximum length)</em>" : Encode(e.Text[position..]));
        html.Append(CultureInfo.InvariantCulture,
            $"</p>\n<p class=\"meta\">logit {e.InputLogit:F4} (baseline [{e.Baseline.ToString().ToUpperInvariant()}]: {e.BaselineLogit:F4}); attributions sum {e.AttributionSum:F4}; completeness gap {SignedFigure.Of(e.CompletenessGap, 4)} ({e.RelativeCompletenessGap:P2}); {e.Steps} steps");
        if (e.Label != e.PredictedLabel) html.Append(CultureInfo.InvariantCulture, $"; predicted label {Encode(e.PredictedLabel)}");
        html.Append("</p></section>\n");
    }

    /// <summary>
    /// <paramref name="text"/> HTML-encoded, each of <see cref="DisplayControls"/> written as its code point in a small
    /// box (<c>U+202E</c>), which the page's reader sees where the character stands. HTML encoding left them as they
    /// were: U+202E showed the words after it reversed, and ESC or BEL showed as nothing.
    /// </summary>
    private static string Encode(string text)
    {
        var html = new StringBuilder(text.Length);
        int plain = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!DisplayControls.Contains(text[i])) continue;
            html.Append(WebUtility.HtmlEncode(text[plain..i]))
                .Append(CultureInfo.InvariantCulture, $"<code class=\"control\" title=\"{ControlTitle}\">U+{(int)text[i]:X4}</code>");
            plain = i + 1;
        }
        return html.Append(WebUtility.HtmlEncode(text[plain..])).ToString();
    }

    private const string ControlTitle = "an invisible control character of the text, shown by its code point";
}
