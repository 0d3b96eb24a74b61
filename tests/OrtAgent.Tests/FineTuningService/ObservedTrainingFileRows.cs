using OrtAgent.Data;
using OrtAgent.FineTuningService.Jobs;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The service's row reader with a test looking on: <see cref="RowRead"/> hears each row's line and the creation's
/// token as the row is handed to the check (so a test hangs up at a chosen row and counts where the read stops, without
/// timing), <see cref="ReadEnded"/> that a file's read has ended, by its end, a refusal or a cancellation.
/// </summary>
internal sealed class ObservedTrainingFileRows : ITrainingFileRows
{
    private readonly TrainingFileRows _rows = new();

    public Action<long, CancellationToken>? RowRead { get; set; }

    public Action? ReadEnded { get; set; }

    public IEnumerable<LabeledText> Read(LabeledTextFile file, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var row in _rows.Read(file, cancellationToken))
            {
                RowRead?.Invoke(row.Line, cancellationToken);
                yield return row;
            }
        }
        finally
        {
            ReadEnded?.Invoke();
        }
    }
}
