using OrtAgent.Explanations;
using OrtAgent.Runtime.Explanations;
using Spectre.Console;

namespace OrtAgent.Tests.Explanations;

public sealed class ExplanationConsoleRendererTests
{
    /// <summary>
    /// The text went through Spectre markup, which read <c>:fire:</c> in it as an emoji code and printed 🔥; a tiny
    /// negative gap printed as <c>-+0.000</c>. The user's text is now printed as written, colours or not.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheTextIsPrintedAsWrittenAndATinyNegativeGapAsZero(bool colours)
    {
        const string text = "the plot :100: was :fire: and [b]bold[/b] :thumbsup:";
        var explanation = new TextExplanation
        {
            Text = text, Label = "pos", LabelIndex = 1, PredictedLabel = "pos",
            Words = [new WordAttribution("plot", 4, 4, 0.5), new WordAttribution("was", 15, 3, -0.00001)],
            InputLogit = 0.5, BaselineLogit = 0.00002, AttributionSum = 0.5,
            Probabilities = new Dictionary<string, float> { ["neg"] = 0.4f, ["pos"] = 0.6f },
            Steps = 8, Baseline = ExplainBaseline.Pad, Truncated = false,
        };
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            ColorSystem = colours ? ColorSystemSupport.TrueColor : ColorSystemSupport.NoColors,
            Ansi = colours ? AnsiSupport.Yes : AnsiSupport.No,
        });
        console.Profile.Width = 500;

        ExplanationConsoleRenderer.Render(console, explanation);

        var printed = output.ToString();
        Assert.DoesNotContain("🔥", printed);
        Assert.DoesNotContain("💯", printed);
        Assert.DoesNotContain("-+0", printed);
        Assert.Contains("completeness gap 0.000 (", printed);
        var lines = System.Text.RegularExpressions.Regex.Replace(printed, "\u001b\\[[0-9;]*m", "").Split('\n');
        Assert.Equal(colours ? text : text.Replace("plot", "[++plot++]"), lines[1].TrimEnd('\r'));
    }
}
