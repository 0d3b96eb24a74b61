using OrtAgent.BaseModels;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Holds each job's start in base-model resolution until released, as the graph building after it would, deaf to a
/// cancel or pause (the resolution's token is ignored); <see cref="HoldAgain"/> holds the starts after a release too.
/// </summary>
internal sealed class HeldStart(IBaseModelResolver inner) : IBaseModelResolver
{
    private volatile Gate _gate = new();
    private int _left, _reached;

    /// <summary>Completes once a start has reached the hold.</summary>
    public Task Entered => _gate.Entered.Task;

    /// <summary>How many starts have reached the hold, released or not.</summary>
    public int Reached => Volatile.Read(ref _reached);

    /// <summary>How many starts have left the hold, released or not (it gives up after two minutes, failing the job).</summary>
    public int Left => Volatile.Read(ref _left);

    /// <summary>Lets the held starts, and those to come, go on.</summary>
    public void Release() => _gate.Released.TrySetResult();

    /// <summary>Holds the next starts until <see cref="Release"/> is called again.</summary>
    public void HoldAgain() => _gate = new Gate();

    public async Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken)
    {
        var gate = _gate;
        Interlocked.Increment(ref _reached);
        gate.Entered.TrySetResult();
        try
        {
            await gate.Released.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            Interlocked.Increment(ref _left);
        }
        return await inner.ResolveAsync(nameOrDirectory, CancellationToken.None);
    }

    private sealed class Gate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
