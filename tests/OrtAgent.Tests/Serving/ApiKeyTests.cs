using System.Net;

namespace OrtAgent.Tests.Serving;

/// <summary>Bearer API keys guard every endpoint but /health; without keys the server is open but refuses reloads.</summary>
public sealed class ApiKeyTests
{
    private const string Key = "test-key-5b1f0c9e", OtherKey = "second-key-with-another-length-0042";

    [Fact]
    public async Task WithKeysConfiguredOnlyAValidKeyIsAdmitted()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key, OtherKey]));

        using (var missing = await server.PostJsonAsync("/predict", """{"inputs": "good"}"""))
        {
            await RequestValidationTests.AssertErrorAsync(missing, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var wrong = await server.PostJsonAsync("/predict", """{"inputs": "good"}""", apiKey: Key + "x"))
            await RequestValidationTests.AssertErrorAsync(wrong, HttpStatusCode.Unauthorized, "unauthorized");
        using (var prefix = await server.PostJsonAsync("/predict", """{"inputs": "good"}""", apiKey: Key[..^1]))
            await RequestValidationTests.AssertErrorAsync(prefix, HttpStatusCode.Unauthorized, "unauthorized");

        Assert.Equal("positive", await server.PredictTopLabelAsync("good", Key));
        Assert.Equal("negative", await server.PredictTopLabelAsync("bad", OtherKey));
    }

    [Theory]
    [InlineData("/info")]
    [InlineData("/metrics")]
    public async Task OtherEndpointsNeedAKeyToo(string path)
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));

        using var without = await server.GetAsync(path);
        using var with = await server.GetAsync(path, Key);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task HealthIsOpenAndKeysNeverReachTheLogs()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));

        using var health = await server.GetAsync("/health");
        using var reload = await server.PostJsonAsync("/admin/reload", "{}");
        await server.PredictTopLabelAsync("a wonderful secret sentence", Key);
        using var wrong = await server.PostJsonAsync("/predict", """{"inputs": "good"}""", apiKey: "not-the-key-123");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, reload.StatusCode);
        var logs = string.Join('\n', server.Logs.Lines);
        Assert.DoesNotContain(Key, logs);
        Assert.DoesNotContain("not-the-key-123", logs);
        Assert.DoesNotContain("secret sentence", logs);
    }

    [Fact]
    public async Task WithoutKeysEverythingIsOpenButReloadIsRefused()
    {
        await using var server = await ServerUnderTest.StartAsync();

        Assert.Equal("positive", await server.PredictTopLabelAsync("great"));
        using var info = await server.GetAsync("/info");
        using var reload = await server.PostJsonAsync("/admin/reload", "{}");

        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        await RequestValidationTests.AssertErrorAsync(reload, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task ReloadWithoutKeysRunsWhenExplicitlyAllowed()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, allowUnauthenticatedReload: true));

        using var reload = await server.PostJsonAsync("/admin/reload", "{}");

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
    }
}
