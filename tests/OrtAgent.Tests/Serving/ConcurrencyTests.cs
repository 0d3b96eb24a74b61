using System.Net;
using System.Text.RegularExpressions;

namespace OrtAgent.Tests.Serving;

/// <summary>Many concurrent callers each get their own answer, whether the batcher coalesces them or not.</summary>
public sealed class ConcurrencyTests
{
    /// <summary>
    /// Long enough that the batcher never runs a batch because time ran out: with 32 one-text callers and a batch of 32
    /// texts it runs exactly when the last caller has queued, so the batch count does not depend on how fast they arrive.
    /// </summary>
    private const int WaitForAFullBatchMs = 10 * 60 * 1000;

    [Theory]
    [InlineData(32, WaitForAFullBatchMs, 1)]
    [InlineData(1, 0, 32)]
    public async Task ThirtyTwoConcurrentClientsEachGetTheirOwnAnswer(int maxBatch, int maxWaitMs, int expectedBatches)
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxBatch: maxBatch, maxWaitMs: maxWaitMs));
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();
        Assert.Equal(32, sentences.Select(s => s.Text).Distinct().Count());

        var clients = sentences.Select(async sentence => (sentence.Label, Answer: await server.PredictTopLabelAsync(sentence.Text))).ToArray();
        // A bound, not a timing assumption: a lost request fails the test instead of hanging it.
        var answers = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.All(answers, a => Assert.Equal(a.Label, a.Answer));
        Assert.Equal((expectedBatches, 32), await ReadBatchSizeAsync(server));
    }

    /// <summary>Reads the batch-size histogram's count and sum from /metrics.</summary>
    internal static async Task<(int Batches, int Texts)> ReadBatchSizeAsync(ServerUnderTest server)
    {
        using var response = await server.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return BatchSizeIn(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The batch-size histogram's count and sum in a /metrics text, over all its series: serve's one, or the fine-tuning
    /// service's one a model. No series (no batch has run) is a failure, not (0, 0): a path that skips the batcher must not pass.
    /// </summary>
    internal static (int Batches, int Texts) BatchSizeIn(string text) => SeriesIn(text, labels: @"(?:\{[^}]*\})?");

    /// <summary>The count and sum of the fine-tuning service's batch-size series of <paramref name="model"/>; (0, 0) when it has none.</summary>
    internal static (int Batches, int Texts) BatchSizeIn(string text, string model)
    {
        string labels = Regex.Escape($"{{model=\"{model}\"}}");
        return Regex.IsMatch(text, $@"^ortagent_batch_size_count{labels} ", RegexOptions.Multiline) ? SeriesIn(text, labels) : (0, 0);
    }

    private static (int Batches, int Texts) SeriesIn(string text, string labels)
    {
        var counts = Regex.Matches(text, $@"^ortagent_batch_size_count{labels} (\S+)$", RegexOptions.Multiline);
        var sums = Regex.Matches(text, $@"^ortagent_batch_size_sum{labels} (\S+)$", RegexOptions.Multiline);
        Assert.NotEmpty(counts);
        return ((int)counts.Sum(m => Number(m.Groups[1].Value)), (int)sums.Sum(m => Number(m.Groups[1].Value)));
    }

    private static double Number(string value) => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
