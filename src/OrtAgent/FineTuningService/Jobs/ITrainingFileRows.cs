using OrtAgent.Data;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// The rows of a training or validation file as a job creation's check reads them (<see cref="TrainingFileCheck"/>),
/// stopping with the creation. The service reads them with <see cref="TrainingFileRows"/>; tests put a reader of their
/// own in its place (<see cref="FineTuningServer"/>'s <c>configureServices</c>) to see at which row a read stops.
/// </summary>
internal interface ITrainingFileRows
{
    /// <summary>The rows of <paramref name="file"/> in order, read as they are enumerated.</summary>
    /// <param name="file">The opened file.</param>
    /// <param name="cancellationToken">The creation's: once it is cancelled, the next row read ends the enumeration.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="UserInputException">A row is malformed.</exception>
    IEnumerable<LabeledText> Read(LabeledTextFile file, CancellationToken cancellationToken);
}
