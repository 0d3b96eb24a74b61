using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// Holds a server's first batch in its model, until released (it gives up after two minutes), so a test fills the
/// queue behind it without timing: installed through <see cref="BatchPredictorSeam.Wrap"/>, it runs every batch on the
/// model it wraps, the first once let go.
/// </summary>
internal sealed class HeldBatch
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Completes once the first batch is held in the model.</summary>
    public Task Entered => _entered.Task;

    /// <summary>Lets the held batch, and every later one, run.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>What <see cref="BatchPredictorSeam.Wrap"/> takes: <paramref name="model"/>, its first batch held.</summary>
    public IBatchPredictor Around(IBatchPredictor model) => new Holding(model, this);

    private void Wait()
    {
        if (Interlocked.Exchange(ref _held, 1) == 1) return;
        _entered.TrySetResult();
        _released.Task.Wait(Bound);
    }

    private sealed class Holding(IBatchPredictor model, HeldBatch hold) : IBatchPredictor
    {
        public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts)
        {
            hold.Wait();
            return model.PredictBatch(texts);
        }
    }
}
