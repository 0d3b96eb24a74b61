using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Serving;
using OrtAgent.Training.Export;

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

    /// <summary>
    /// An explanation that took the served model just before its folder was replaced and reloaded: the model it took
    /// refuses (its folder's model.onnx is another's now), and /explain answered 409 model_replaced though the slot held
    /// the new model, which explains; then the one reloaded answered, and without a reload the request got the 409 (though
    /// /predict still answered with the model taken). Now the model taken explains itself either way: its explain.onnx,
    /// checked when it was loaded, is held open, and the new model renamed over it does not change what it reads. The
    /// replacement lands at the turn's take (<see cref="ReplacedOnceTaken"/>), so the race is the same every run.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AModelReplacedOnceTakenIsExplainedByTheOneTakenReloadedOrNot(bool reloaded)
    {
        using var directory = new TempDirectory("explain-replaced");
        ToyClassifierModel.Write(directory.Path, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(directory.Path);
        using var slot = ClassifierSlot.Load(directory.Path, new TextClassifierOptions());
        var queue = new ExplanationQueue(capacity: 1);
        var model = new ReplacedOnceTaken(slot, reloaded);

        var explaining = queue.TryExplainAsync(model, classifier =>
        {
            classifier.Explain("great pizza", new ExplainOptions { Steps = 2 });
            return classifier.Labels;
        }, CancellationToken.None);

        // The model taken answers, reloaded or not: the one served when the request reached its turn.
        Assert.Equal(["negative", "positive"], await explaining);
        Assert.Equal(0, queue.Admitted);
    }

    /// <summary>
    /// The slot's model, replaced on disk (by the topic model) each time the queue takes it at its turn (its second take,
    /// after the one that loads it before the turn), once the take holds the model that was served, and reloaded when asked.
    /// </summary>
    private sealed class ReplacedOnceTaken(ClassifierSlot slot, bool reload) : IExplainedModel
    {
        private int _taken;

        public async Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken)
        {
            var served = slot.Acquire();
            if (++_taken == 2)
            {
                ToyClassifierModel.Write(slot.Directory, ToyClassifierModel.Topic);
                ModelExporter.AddExplainGraph(slot.Directory);
                if (reload) await slot.ReloadAsync(cancellationToken);
            }
            return served;
        }

        public void RefuseIfGone() { }
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
