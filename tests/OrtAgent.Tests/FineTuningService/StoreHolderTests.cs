using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The record naming a store's holder, which a start refused the store reads to say what holds it.</summary>
public sealed class StoreHolderTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    private string HolderFile => _work.Combine(StoreHolder.FileName);

    /// <summary>
    /// The record was written only once the open had succeeded, so an open that failed after its claim left a killed
    /// holder's record in place (here a serve, where this open is an mcp). The open now records itself as soon as it
    /// holds the claim, and removes its record when it fails.
    /// </summary>
    [Fact]
    public void AnOpenFailingAfterItsClaimLeavesNoHoldersRecord()
    {
        File.WriteAllText(HolderFile, $"serve {Environment.ProcessId}\n");
        // Refused after the claim: a file where the store keeps its files folder.
        File.WriteAllText(_work.Combine("files"), "mine");

        Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path, StoreHolder.McpStdio));

        Assert.Equal(["files"], Directory.GetFileSystemEntries(_work.Path).Select(Path.GetFileName).Where(n => n != FineTuningStore.LockFileName));
    }

    /// <summary>A record naming a process that has ended is a killed holder's: a refusal names no process gone.</summary>
    [Fact]
    public void ARefusalDoesNotNameAHolderWhoseProcessHasEnded()
    {
        using var holding = FineTuningStore.Open(_work.Path);
        // No OS hands out this process id (Linux stops at 2^22, Windows ids are multiples of 4).
        File.WriteAllText(HolderFile, $"serve {int.MaxValue}\n");

        var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));

        Assert.Equal($"--store {_work.Path}: another OrtAgent process (serve or mcp with --fine-tuning) is running this store's jobs; "
            + "stop it or give this one another --store (a serve can be connected to instead: its /mcp offers the same tools)", refused.Message);
    }

    /// <summary>
    /// A start refused while the holder's open has its claim but has not yet opened (or migrated) the database names
    /// the holder: the record is written as soon as the claim is held, not once the open has succeeded.
    /// </summary>
    [Fact]
    public void AStartRefusedBeforeTheHoldersDatabaseIsOpenNamesTheHolder()
    {
        UserInputException? refused = null;
        bool databaseThere = true;

        using (FineTuningStore.Open(_work.Path, beforeClaim: null, afterRelease: null, StoreHolder.Serve, afterHolderRecorded: () =>
        {
            databaseThere = File.Exists(_work.Combine(StoreDatabase.FileName));
            refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path, StoreHolder.McpStdio));
        }))
        {
        }

        Assert.False(databaseThere);
        Assert.NotNull(refused);
        Assert.StartsWith($"--store {_work.Path}: 'ortagent serve --fine-tuning' (process {Environment.ProcessId}) is running this store's jobs; ", refused.Message);
    }

    /// <summary>A live holder is still named, from a record written whole.</summary>
    [Fact]
    public void ARefusalNamesTheLiveHolderRecordedByItsOpen()
    {
        using var holding = FineTuningStore.Open(_work.Path, StoreHolder.McpStdio);

        var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));

        Assert.StartsWith($"--store {_work.Path}: 'ortagent mcp --fine-tuning' (process {Environment.ProcessId}) is running", refused.Message);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_work.Path).Select(Path.GetFileName), name => name!.StartsWith(".ortagent.holder", StringComparison.Ordinal));
    }
}
