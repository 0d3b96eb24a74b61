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
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = ExplainAsync(queue, () => release.Task, CancellationToken.None);

        using (var hangUp = new CancellationTokenSource())
        {
            bool ran = false;
            var waiting = ExplainAsync(queue, () => { ran = true; return Task.FromResult("second"); }, hangUp.Token);
            Assert.Null(await ExplainAsync(queue, () => Task.FromResult("third"), CancellationToken.None));   // both places taken
            hangUp.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.False(ran);
        }
        Assert.True(queue.TryEnter());   // the cancelled call's place is free again
        queue.Leave();

        release.SetResult("first");
        Assert.Equal("first", await running);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExplainAsync<string>(queue, () => throw new InvalidOperationException("boom"), CancellationToken.None));
        Assert.True(queue.TryEnter());
        Assert.True(queue.TryEnter());   // both places free: nothing leaked
        Assert.False(queue.TryEnter());
    }

    /// <summary>
    /// What waits for the running place is the whole of an explanation, the taking of its model included: the second
    /// call's work (where a server takes its model) starts only once the first has ended.
    /// </summary>
    [Fact]
    public async Task ACallWaitingItsTurnHasNotStartedItsWork()
    {
        var queue = new ExplanationQueue(capacity: 2);
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = ExplainAsync(queue, () => release.Task, CancellationToken.None);
        bool started = false;

        var waiting = ExplainAsync(queue, () => { started = true; return Task.FromResult("second"); }, CancellationToken.None);

        Assert.False(started);
        Assert.False(waiting.IsCompleted);
        release.SetResult("first");
        Assert.Equal("first", await running);
        Assert.Equal("second", await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(started);
    }

    /// <summary>How the servers queue an explanation: a place or null (their 429), then the turn, then the place given back.</summary>
    private static async Task<T?> ExplainAsync<T>(ExplanationQueue queue, Func<Task<T>> explain, CancellationToken cancellationToken) where T : class
    {
        if (!queue.TryEnter()) return null;
        try
        {
            return await queue.RunAsync(explain, cancellationToken);
        }
        finally
        {
            queue.Leave();
        }
    }
}
