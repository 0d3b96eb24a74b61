using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Explanations;

/// <summary>
/// The default classifier, trained once per test run exactly as <c>ortagent train</c> with no options makes it: minilm
/// fine-tuned on the embedded reviews (about a minute on two shared cores), exported with its <c>explain.onnx</c>.
/// Tests must not modify it.
/// </summary>
public sealed class ReviewsClassifierFixture : IAsyncLifetime
{
    private readonly TempDirectory _root = new();

    public string ModelDirectory => _root.Combine("models", "classifier");

    public async Task InitializeAsync()
    {
        var run = await CliRun.RunAsync(["train", "--output", ModelDirectory, "--artifacts-root", _root.Combine("artifacts"), "--models-root", _root.Combine("root")]);
        if (run.ExitCode != 0) throw new InvalidOperationException($"Training the default classifier for the tests failed: {run}");
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Tests that share one trained <see cref="ReviewsClassifierFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ReviewsClassifierCollection : ICollectionFixture<ReviewsClassifierFixture>
{
    public const string Name = "trained reviews classifier";
}
