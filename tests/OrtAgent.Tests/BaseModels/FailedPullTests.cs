using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.BaseModels;

/// <summary>
/// A pull that fails while extracting leaves nothing behind: no staging folder on disk and no temporary name held in
/// memory. The staging name stayed held for the life of the process after a failure (a service pulling for job after
/// job on a full disk held one more each time), though its error had long been told with the model's folder.
/// </summary>
public sealed class FailedPullTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(28, "No space left on device")]
    [InlineData(5, "Input/output error")]
    public async Task AFailedExtractionLeavesNoFolderAndHoldsNoNameAndIsToldWithTheModelsFolder(int errorCode, string reason)
    {
        var store = new BaseModelStore(Options.Create(new OrtAgentPaths { ModelsRoot = _temp.Path }), NullLogger<BaseModelStore>.Instance);
        var target = _temp.Combine("base", "minilm");
        var staging = _temp.Combine("base", $".minilm.pulling-{Environment.ProcessId}");
        var failure = new IOException($"{reason} : '{Path.Combine(staging, ModelContract.ModelFile)}'", errorCode);

        IOException thrown;
        using (CreationFault.ArmIn(staging, failure))
            thrown = await Assert.ThrowsAnyAsync<IOException>(() => store.PullAsync("minilm", CancellationToken.None));

        Assert.Equal($"{reason} : '{Path.Combine(target, ModelContract.ModelFile)}'", thrown.Message);
        Assert.Equal(errorCode, thrown.HResult);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Combine("base")));
        var held = TemporarySiblings.HeldUnder(_temp.Path);
        Assert.True(held.Count == 0, $"{held.Count} names still held: {string.Join(", ", held.Select(name => Path.GetRelativePath(_temp.Path, name)))}");
    }
}
