using System.Net;
using System.Text.RegularExpressions;

namespace OrtAgent.Tests.Serving;

/// <summary>Many concurrent callers each get their own answer, whether the batcher coalesces them or not.</summary>
public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData(32, 50)]
    [InlineData(1, 0)]
    public async Task ThirtyTwoConcurrentClientsEachGetTheirOwnAnswer(int maxBatch, int maxWaitMs)
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxBatch: maxBatch, maxWaitMs: maxWaitMs));
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();
        Assert.Equal(32, sentences.Select(s => s.Text).Distinct().Count());
        using var start = new SemaphoreSlim(0);

        var clients = sentences.Select(async sentence =>
        {
            await start.WaitAsync();
            return (sentence.Label, Answer: await server.PredictTopLabelAsync(sentence.Text));
        }).ToArray();
        start.Release(clients.Length);
        var answers = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(answers, a => Assert.Equal(a.Label, a.Answer));
        var (batches, texts) = await ReadBatchSizeAsync(server);
        Assert.Equal(32, texts);
        if (maxBatch == 1) Assert.Equal(32, batches);
        // 32 callers released together within a 50 ms window: at least some of them must have shared a batch.
        else Assert.True(batches < 32, $"expected coalescing, got {batches} batches for 32 texts");
    }

    /// <summary>Reads the batch-size histogram's count and sum from /metrics.</summary>
    internal static async Task<(int Batches, int Texts)> ReadBatchSizeAsync(ServerUnderTest server)
    {
        using var response = await server.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        int count = (int)double.Parse(Regex.Match(text, @"^ortagent_batch_size_count (\S+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int sum = (int)double.Parse(Regex.Match(text, @"^ortagent_batch_size_sum (\S+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (count, sum);
    }
}
