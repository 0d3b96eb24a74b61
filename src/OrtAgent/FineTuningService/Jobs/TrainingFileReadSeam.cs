namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Where a test steps into a job creation's read of its files: <see cref="RowRead"/> is called before each row is
/// checked, with the line and the creation's cancellation, so a test can hang up at a chosen row and see where the
/// read stops without timing. Unset in use. One per service, registered with the host.
/// </summary>
internal sealed class TrainingFileReadSeam
{
    /// <summary>Called with each row's line and the creation's token before the row is checked; null does nothing.</summary>
    public Action<long, CancellationToken>? RowRead { get; set; }

    /// <summary>Called once a file's read has ended, by its end, a refusal or a cancellation; null does nothing.</summary>
    public Action? ReadEnded { get; set; }
}
