namespace OrtAgent.Commands;

/// <summary>
/// How the help of an option a resumed run keeps words its default. <c>--resume</c> continues a run with what it began
/// with (its artifacts and <c>RecordedSettings</c>; ResumedRunCheck, DistillationJob), so a bare "[default: 16]" holds
/// for a new run only; the line says both, once.
/// </summary>
internal static class ResumedRunDefault
{
    /// <summary>What a resumed run left without the option takes, as most options' help says it.</summary>
    private const string RunsOwn = "the run's own";

    /// <summary>
    /// <paramref name="description"/> with its default for a new run and <paramref name="resumed"/>'s value for a resumed
    /// one: <c>Examples per micro-batch [default: 16; with --resume, the run's own].</c>
    /// </summary>
    /// <param name="description">The option's help, its final full stop optional.</param>
    /// <param name="newRun">What a new run takes when the option is left out.</param>
    /// <param name="resumed">What a resumed run takes when it is left out.</param>
    public static string Describe(string description, string newRun, string resumed = RunsOwn) =>
        $"{description.TrimEnd('.')} [default: {newRun}; with --resume, {resumed}].";
}
