using OrtAgent.Explanations;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Tests.Explanations;

public sealed class ExplanationHtmlPageTests
{
    /// <summary>
    /// The page HTML-encoded the text and nothing more: U+202E reached the browser as it was and showed the words after it
    /// reversed ("good" read "doog"), and ESC and BEL showed as nothing. Each is now its code point in a visible box where
    /// it stands, and the words around it stay highlighted at their offsets; tabs, joiners and emoji are kept.
    /// </summary>
    [Fact]
    public void ControlsOfTheTextAndLabelAreShownByTheirCodePointsAndTheWordsStayInPlace()
    {
        const string text = "bad\u202E good \u001B[31mred\u0007\tfine 👍🏽";
        var explanation = new TextExplanation
        {
            Text = text, Label = "pos\u202Eitive", LabelIndex = 1, PredictedLabel = "pos\u202Eitive",
            Words = [new WordAttribution("bad", 0, 3, -0.5), new WordAttribution("good", 5, 4, 0.5), new WordAttribution("red", 15, 3, 0.1),
                new WordAttribution("fine", 20, 4, 0.2)],
            InputLogit = 0.5, BaselineLogit = 0.1, AttributionSum = 0.4,
            Probabilities = new Dictionary<string, float> { ["neg"] = 0.4f, ["pos\u202Eitive"] = 0.6f },
            Steps = 8, Baseline = ExplainBaseline.Pad, Truncated = false,
        };

        var html = ExplanationHtmlPage.Render("/models/m\u202Egnp.exe", [explanation]);

        Assert.DoesNotContain('\u202E', html);
        Assert.DoesNotContain('\u001B', html);
        Assert.DoesNotContain('\u0007', html);
        const string Title = "an invisible control character of the text, shown by its code point";
        string Box(string codePoint) => $"<code class=\"control\" title=\"{Title}\">{codePoint}</code>";
        var paragraph = html[html.IndexOf("<p class=\"text\">", StringComparison.Ordinal)..];
        paragraph = paragraph[..paragraph.IndexOf("</p>", StringComparison.Ordinal)];
        Assert.Equal("<p class=\"text\"><span style=\"background:rgba(200,40,40,0.750)\" title=\"-0.5000\">bad</span>"
            + Box("U+202E") + " <span style=\"background:rgba(40,160,60,0.750)\" title=\"+0.5000\">good</span> "
            + Box("U+001B") + "[31m<span style=\"background:rgba(40,160,60,0.150)\" title=\"+0.1000\">red</span>" + Box("U+0007")
            + "\t<span style=\"background:rgba(40,160,60,0.300)\" title=\"+0.2000\">fine</span> &#128077;&#127997;", paragraph);
        Assert.Contains($"<h2>pos{Box("U+202E")}itive <small>", html);
        Assert.Contains($"Model /models/m{Box("U+202E")}gnp.exe.", html);
    }
}
