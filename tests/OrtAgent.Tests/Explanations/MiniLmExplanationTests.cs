using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Tests.Explanations;

/// <summary>Integrated gradients on the default minilm classifier: completeness, and whether the words make sense.</summary>
[Collection(ReviewsClassifierCollection.Name)]
public sealed class MiniLmExplanationTests(ReviewsClassifierFixture model)
{
    private static readonly string[] Reviews =
    [
        "Terrible product. It broke after one day, awful quality and a complete waste of money.",
        "The worst hotel I have ever stayed in: dirty rooms and horrible staff.",
        "An absolutely wonderful film with a brilliant cast.",
        "The food was cold, the waiter was rude and I will never come back.",
        "Great value, fast delivery and it works perfectly.",
    ];

    private static readonly HashSet<string> NegativeWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "terrible", "broke", "awful", "waste", "worst", "dirty", "horrible", "cold", "rude", "never",
    };

    [Theory]
    [InlineData(ExplainBaseline.Pad)]
    [InlineData(ExplainBaseline.Mask)]
    public void CompletenessGapIsUnderFivePercentAt32Steps(ExplainBaseline baseline)
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        foreach (var review in Reviews)
        {
            var explanation = classifier.Explain(review, new ExplainOptions { Steps = 32, Baseline = baseline });
            Assert.True(Math.Abs(explanation.InputLogit - explanation.BaselineLogit) > 0.1, $"'{review}': the logit barely moves from the baseline");
            Assert.True(explanation.RelativeCompletenessGap < 0.05,
                $"'{review}': attributions sum {explanation.AttributionSum:F4}, logit change {explanation.InputLogit - explanation.BaselineLogit:F4}, gap {explanation.RelativeCompletenessGap:P2}");
        }
    }

    [Fact]
    public void ExplainedLogitsAreThePredictedOnes()
    {
        // Word-by-word tokenization must feed the model exactly what Predict feeds it, also for text the tokenizer
        // drops, splits or normalises; equal logits show it did.
        string[] texts = [.. Reviews, "<b>Good</b> & FINE!!", "1990's café, naïve ZEBRA-like stuff...", "日本語 text 👍 ok",
            // Special tokens written in the text are read as those tokens, and control characters the tokenizer drops
            // join the text around them: word-by-word encoding once split the first and broke words at the second.
            "[UNK] film", "nice [sep] ok", "bad [PAD] [PAD]", "a[MASK]b was great", "[CLS]awful[SEP]", "x\vawful", "good\fbad plot",
            "fine\u0085movie", "great\u001Cfilm", "great\u2028film", "zero\u200Bwidth and\u00A0spaces", new string('x', 20) + " " + string.Join(' ', Enumerable.Repeat("great", 200))];
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        var predictions = classifier.PredictBatch(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var explanation = classifier.Explain(texts[i], new ExplainOptions { Steps = 1 });
            Assert.Equal(predictions[i].Label, explanation.Label);
            Assert.Equal(predictions[i].Logits![explanation.Label], explanation.InputLogit, 1e-3);
            Assert.All(explanation.Words, w => Assert.Equal(w.Text, texts[i].Substring(w.Start, w.Length)));
            Assert.Equal(i == texts.Length - 1, explanation.Truncated);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnObviouslyNegativeReviewPutsItsNegativeWordsOnTop(int review)
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        var explanation = classifier.Explain(Reviews[review]);
        Assert.Equal("negative", explanation.Label);
        var ranked = explanation.Words.OrderByDescending(w => w.Attribution).Select(w => w.Text).ToList();
        Assert.True(ranked.Take(3).All(NegativeWords.Contains), $"top words: {string.Join(", ", ranked.Take(5))}");
        Assert.All(explanation.Words.Where(w => NegativeWords.Contains(w.Text)), w => Assert.True(w.Attribution > 0, $"'{w.Text}' {w.Attribution:F3}"));

        // Toward the other label the same words pull hardest the other way.
        var positive = classifier.Explain(Reviews[review], new ExplainOptions { Label = "positive" });
        Assert.True(positive.Words.OrderBy(w => w.Attribution).Take(3).All(w => NegativeWords.Contains(w.Text)));
    }
}
