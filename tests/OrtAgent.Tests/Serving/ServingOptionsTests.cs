using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>The server's options name their own properties when a value cannot work, not the serve command's flags.</summary>
public sealed class ServingOptionsTests
{
    public static TheoryData<ServingOptions, string> BadOptions => new()
    {
        { new() { ModelDirectory = "" }, "ServingOptions.ModelDirectory = '': a model directory is required" },
        { new() { ModelDirectory = "m", Urls = [] }, "ServingOptions.Urls = '': at least one URL to listen on is required" },
        { new() { ModelDirectory = "m", MaxBatch = 0 }, "ServingOptions.MaxBatch = 0: must be at least 1" },
        { new() { ModelDirectory = "m", MaxWaitMs = -5 }, "ServingOptions.MaxWaitMs = -5: must not be negative" },
        { new() { ModelDirectory = "m", ApiKeys = ["k", " secret-key"] },
            "ServingOptions.ApiKeys = 'key 2 of 2, not shown': begins or ends with whitespace, and the key a request presents is trimmed, so it could never match; give it without the whitespace" },
        { new() { ModelDirectory = "m", ApiKeys = ["secret-key\t", "k"] },
            "ServingOptions.ApiKeys = 'key 1 of 2, not shown': begins or ends with whitespace, and the key a request presents is trimmed, so it could never match; give it without the whitespace" },
        { new() { ModelDirectory = "m", MaxConnections = 0 }, "ServingOptions.MaxConnections = 0: must be at least 1" },
        { new() { ModelDirectory = "m", MaxBodyBytes = 8 }, "ServingOptions.MaxBodyBytes = 8: must be at least 16" },
        { new() { ModelDirectory = "m", MaxInputsPerRequest = 0 }, "ServingOptions.MaxInputsPerRequest = 0: must be at least 1" },
        { new() { ModelDirectory = "m", MaxCharsPerInput = 0 }, "ServingOptions.MaxCharsPerInput = 0: must be at least 1" },
        { new() { ModelDirectory = "m", ApiKeys = ["k", " "] }, "ServingOptions.ApiKeys = ' ': API keys must not be empty" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["http://localhost:5173/"] },
            "ServingOptions.AllowedOrigins = 'http://localhost:5173/': an origin has no path, query or fragment, not even a trailing '/'; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["https://app.example.com", "https://app.example.com/ui?x=1"] },
            "ServingOptions.AllowedOrigins = 'https://app.example.com/ui?x=1': an origin has no path, query or fragment, not even a trailing '/'; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["localhost:5173"] },
            "ServingOptions.AllowedOrigins = 'localhost:5173': not an origin; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["ftp://files.example"] },
            "ServingOptions.AllowedOrigins = 'ftp://files.example': not an origin; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["http://user@app.example"] },
            "ServingOptions.AllowedOrigins = 'http://user@app.example': not an origin; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = [" http://app.example"] },
            "ServingOptions.AllowedOrigins = ' http://app.example': not an origin; give scheme://host[:port] with http or https, for example http://localhost:5173" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["null"] },
            "ServingOptions.AllowedOrigins = 'null': 'null' is the origin browsers give sandboxed pages and local files, of every site: allowing it would allow them all" },
        { new() { ModelDirectory = "m", ApiKeys = ["k"], AllowedOrigins = ["*", "http://localhost:5173"] },
            "ServingOptions.AllowedOrigins = '*': already admits every origin; give it alone, or name the origins instead" },
        { new() { ModelDirectory = "m", AllowedOrigins = ["*"] },
            "ServingOptions.AllowedOrigins = '*': lets the pages of every site call the server, so it needs API keys, ServingOptions.ApiKeys or ServingOptions.InferenceApiKeys (a page without a key can then do nothing); or name the origins instead" },
        { new() { ModelDirectory = "m", InferenceApiKeys = ["k", "inference-key "] },
            "ServingOptions.InferenceApiKeys = 'key 2 of 2, not shown': begins or ends with whitespace, and the key a request presents is trimmed, so it could never match; give it without the whitespace" },
        { new() { ModelDirectory = "m", InferenceApiKeys = [""] }, "ServingOptions.InferenceApiKeys = '': API keys must not be empty" },
        { new() { ModelDirectory = "m", ApiKeys = ["full-key", "shared-key"], InferenceApiKeys = ["shared-key"] },
            "ServingOptions.InferenceApiKeys = 'key 1 of 1, not shown': is also a full API key; give each key once, as a full key or as an inference key" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadValueNamesItsProperty(ServingOptions options, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("http://localhost:5173")]
    [InlineData("https://app.example.com")]
    [InlineData("http://[::1]:5173")]
    [InlineData("HTTP://LocalHost:80")]
    public void AnOriginAsBrowsersSendItIsAccepted(string origin)
    {
        new ServingOptions { ModelDirectory = "m", AllowedOrigins = [origin] }.Validate();
        new ServingOptions { ModelDirectory = "m", ApiKeys = ["k"], AllowedOrigins = ["*"] }.Validate();
    }

    /// <summary>An inference key is a key: with it a page of any site can do no more than its key lets it.</summary>
    [Fact]
    public void EveryOriginIsAcceptedWithOnlyInferenceKeys() =>
        new ServingOptions { ModelDirectory = "m", InferenceApiKeys = ["k"], AllowedOrigins = ["*"] }.Validate();

    [Fact]
    public async Task TheServerRefusesBadOptionsBeforeLoadingTheModel()
    {
        var options = new ServingOptions { ModelDirectory = "no-such-model", MaxBatch = 0 };
        var error = await Assert.ThrowsAsync<InvalidOptionException>(() => InferenceServer.BuildAsync(options));
        Assert.Equal("ServingOptions.MaxBatch", error.Option);
    }
}
