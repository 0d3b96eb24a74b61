using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>The places of a server's explanation queue are given back however a call ends.</summary>
public sealed class ExplanationQueueTests
{
    /// <summary>
    /// A call cancelled while it waits (its client hung up) gives its place back without running; a call that throws
    /// gives it back too. Otherwise each such call would shrink the queue until every explanation was refused.
    /// </summary>
    [Fact]
    public async Task ACancelledWaitAndAFailedRunEachGiveTheirPlaceBack()
    {
        var queue = new ExplanationQueue(capacity: 2);
        using var release = new ManualResetEventSlim();
        var running = queue.TryRunAsync(() => { release.Wait(TimeSpan.FromSeconds(30)); return "first"; }, CancellationToken.None);

        using (var hangUp = new CancellationTokenSource())
        {
            bool ran = false;
            var waiting = queue.TryRunAsync(() => { ran = true; return "second"; }, hangUp.Token);
            Assert.Null(await queue.TryRunAsync(() => "third", CancellationToken.None));   // both places taken
            hangUp.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.False(ran);
        }
        Assert.True(queue.TryEnter());   // the cancelled call's place is free again
        queue.Leave();

        release.Set();
        Assert.Equal("first", await running);
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.TryRunAsync(string () => throw new InvalidOperationException("boom"), CancellationToken.None));
        Assert.True(queue.TryEnter());
        Assert.True(queue.TryEnter());   // both places free: nothing leaked
        Assert.False(queue.TryEnter());
    }
}
