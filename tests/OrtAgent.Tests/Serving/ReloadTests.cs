using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OrtAgent.Runtime;

namespace OrtAgent.Tests.Serving;

/// <summary>POST /admin/reload swaps models under load without failing a single request.</summary>
public sealed class ReloadTests
{
    private const string Key = "reload-key-3e8d";

    [Fact]
    public async Task ReloadsUnderLoadFailNoRequestAndTheNewModelAnswersAfterwards()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));
        var sentences = ToyClassifierModel.SentimentSentences();
        string[] topicLabels = ToyClassifierModel.Topic.Labels;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int answered = 0;

        // Eight clients loop until told to stop, at most 400 requests each, and at most 60 s in all.
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (int i = 0; i < 400 && !stop.IsCancellationRequested; i++)
            {
                var (text, label) = sentences[(client * 7 + i) % sentences.Count];
                try
                {
                    var answer = await server.PredictTopLabelAsync(text, Key);
                    // Until the swap to the topic model an answer must be right; after it, it must be a topic label.
                    if (answer != label && !topicLabels.Contains(answer)) failures.Enqueue($"'{text}' -> {answer}");
                    Interlocked.Increment(ref answered);
                }
                catch (Exception ex) when (ex is Xunit.Sdk.XunitException or HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"'{text}': {ex.Message}");
                }
            }
        })).ToArray();

        await WaitForAsync(() => Volatile.Read(ref answered) >= 50);
        for (int reload = 0; reload < 3; reload++)
        {
            await ReloadAsync(server, ["negative", "positive"]);
            await Task.Delay(50);
        }
        ToyClassifierModel.Write(server.ModelDirectory, ToyClassifierModel.Topic);
        int answeredBeforeSwap = Volatile.Read(ref answered);
        await ReloadAsync(server, topicLabels);
        Assert.Equal("food", await server.PredictTopLabelAsync("the pizza was delicious", Key));
        await WaitForAsync(() => Volatile.Read(ref answered) >= answeredBeforeSwap + 50);
        await ReloadAsync(server, topicLabels);
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(answered >= 100, $"only {answered} requests were answered");
        Assert.Equal("sports", await server.PredictTopLabelAsync("a great football match", Key));
        Assert.Equal("other", await server.PredictTopLabelAsync("the movie was good", Key));
    }

    [Fact]
    public async Task ABrokenModelOnDiskFailsTheReloadAndKeepsTheOldModelServing()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));
        File.WriteAllText(Path.Combine(server.ModelDirectory, ModelContract.ModelFile), "not an onnx model");

        using var reload = await server.PostJsonAsync("/admin/reload", "{}", Key);

        await RequestValidationTests.AssertErrorAsync(reload, HttpStatusCode.Conflict, "model_load");
        Assert.Equal("positive", await server.PredictTopLabelAsync("excellent", Key));
    }

    /// <summary>
    /// A field in a reload's body was ignored ({"x": 1} reloaded), where /predict refuses a field it does not read: it is a
    /// 400 naming the field, and so is a body that is no object; an empty object or no body reloads.
    /// </summary>
    [Fact]
    public async Task AReloadBodyWithAFieldIs400NamingItAndNoBodyReloads()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));

        using var field = await server.PostJsonAsync("/admin/reload", """{"x": 1}""", Key);
        Assert.Equal("unrecognized request argument 'x'; /admin/reload takes none: it reloads the served model from its directory",
            await RequestValidationTests.AssertErrorAsync(field, HttpStatusCode.BadRequest, "validation"));
        using var array = await server.PostJsonAsync("/admin/reload", "[]", Key);
        await RequestValidationTests.AssertErrorAsync(array, HttpStatusCode.BadRequest, "validation");

        using var bodiless = new HttpRequestMessage(HttpMethod.Post, "/admin/reload");
        bodiless.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var reloaded = await server.Client.SendAsync(bodiless);
        Assert.Equal(HttpStatusCode.OK, reloaded.StatusCode);
        await ReloadAsync(server, ["negative", "positive"]);
    }

    /// <summary>
    /// A query on a reload was ignored (/admin/reload?model=x reloaded the served model as if plain), where its body's
    /// fields are refused: it is a 400 naming the parameter, and nothing is reloaded.
    /// </summary>
    [Theory]
    [InlineData("/admin/reload?model=x", "model")]
    [InlineData("/admin/reload?force", "force")]
    public async Task AReloadQueryParameterIs400NamingItAndReloadsNothing(string url, string name)
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));

        using var refused = await server.PostJsonAsync(url, "{}", Key);
        Assert.Equal($"unrecognized query parameter '{name}'; /admin/reload takes none: it reloads the served model from its directory",
            await RequestValidationTests.AssertErrorAsync(refused, HttpStatusCode.BadRequest, "validation"));

        using var reloaded = await server.PostJsonAsync("/admin/reload", "{}", Key);
        Assert.Equal(HttpStatusCode.OK, reloaded.StatusCode);
        using var json = JsonDocument.Parse(await reloaded.Content.ReadAsStringAsync());
        Assert.Equal(1, json.RootElement.GetProperty("reloads").GetInt32());   // the refused one reloaded nothing
    }

    private static async Task ReloadAsync(ServerUnderTest server, string[] expectedLabels)
    {
        using var response = await server.PostJsonAsync("/admin/reload", "{}", Key);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(expectedLabels, json.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the clients made no progress within 30 s");
            await Task.Delay(10);
        }
    }
}
