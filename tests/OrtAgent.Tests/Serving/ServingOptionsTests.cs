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
        { new() { ModelDirectory = "m", MaxBodyBytes = 8 }, "ServingOptions.MaxBodyBytes = 8: must be at least 16" },
        { new() { ModelDirectory = "m", MaxInputsPerRequest = 0 }, "ServingOptions.MaxInputsPerRequest = 0: must be at least 1" },
        { new() { ModelDirectory = "m", MaxCharsPerInput = 0 }, "ServingOptions.MaxCharsPerInput = 0: must be at least 1" },
        { new() { ModelDirectory = "m", ApiKeys = ["k", " "] }, "ServingOptions.ApiKeys = ' ': API keys must not be empty" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadValueNamesItsProperty(ServingOptions options, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task TheServerRefusesBadOptionsBeforeLoadingTheModel()
    {
        var options = new ServingOptions { ModelDirectory = "no-such-model", MaxBatch = 0 };
        var error = await Assert.ThrowsAsync<InvalidOptionException>(() => InferenceServer.BuildAsync(options));
        Assert.Equal("ServingOptions.MaxBatch", error.Option);
    }
}
