using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A store_full refusal says what the store holds apart from what other uploads are still receiving, since deleting
/// files frees only the first; an upload's own bytes so far are neither. It once said "it holds" of both together.
/// </summary>
public sealed class StoreRoomMessageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ortagent-room-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void WhatOtherUploadsAreReceivingIsSaidApartFromWhatTheStoreHolds()
    {
        using var store = FineTuningStore.Open(Path.Combine(_root, "store"));
        store.CheckpointLog();   // what the new store's schema put in the log, which a refusal would checkpoint
        long held = StoreUsage.Measure(store.Directory);
        // Each upload reserves room for its row as it starts.
        var room = new StoreRoom(store, new FineTuningServiceOptions { MaxStoreBytes = held + 2 * StoreRoom.RecordAllowance + 100 });
        using var first = new ReceivedFile("file-a", "a.csv", Path.Combine(_root, "a.csv"), room);
        using var second = new ReceivedFile("file-b", "b.csv", Path.Combine(_root, "b.csv"), room);
        room.StartUpload(first);
        room.StartUpload(second);
        room.Reserve(first, 60);
        room.Reserve(second, 10);

        var byOther = Assert.Throws<OpenAIApiException>(() => room.Reserve(second, 40)).Message;
        var byItself = Assert.Throws<OpenAIApiException>(() => room.Reserve(first, 40)).Message;

        Assert.StartsWith($"the store is full: it holds {held} bytes", byOther);
        Assert.Matches($@", and other uploads in progress take {StoreRoom.RecordAllowance + 60} bytes \([^)]*\) more, and this upload would pass that", byOther);
        Assert.Matches($@", and other uploads in progress take {StoreRoom.RecordAllowance + 10} bytes \([^)]*\) more, and this upload would pass that", byItself);
    }
}
