using OrtAgent.Data;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Reads a file's rows from disk, stopping at the row after a cancellation: a large training file takes seconds to
/// read (about 3 s per 64 MB), which a client that hung up no longer waits for.
/// </summary>
internal sealed class TrainingFileRows : ITrainingFileRows
{
    public IEnumerable<LabeledText> Read(LabeledTextFile file, CancellationToken cancellationToken)
    {
        foreach (var row in file)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }
}
