using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The tokenizer a job creation checks its training file with (<see cref="JobTokenizer"/>).</summary>
public sealed class JobTokenizerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// A packaged base's tokenizer was made again from its package's vocab.txt for every job creation: about 10 MB
    /// allocated each time (measured: 9.9 MB), for a vocabulary that cannot change while the service runs.
    /// </summary>
    [Fact]
    public void APackagedBasesTokenizerIsMadeOnceNotForEveryJob()
    {
        using var store = FineTuningStore.Open(_temp.Combine("store"));
        using var models = new ServedModels(store, ServedModelsTests.Options(store));
        Assert.NotNull(JobTokenizer.For("minilm", models, store));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var again = JobTokenizer.For("minilm", models, store);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotNull(again);
        Assert.True(allocated < 256 * 1024, $"{allocated:N0} bytes allocated for a second job's tokenizer");
    }
}
