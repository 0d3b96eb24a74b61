namespace OrtAgent.Cli;

/// <summary>
/// What the running command does when asked to stop (Ctrl+C, SIGTERM), and what a second Ctrl+C, which ends the process
/// at once, leaves behind: <see cref="ConsoleCancellation"/> says each on stderr the moment its signal arrives. A training
/// step can take seconds before a stop is seen, and a user who saw nothing meanwhile pressed again, losing the checkpoint
/// the first press was about to write without a word. The command line's commands set it as they move from stage to
/// stage; the fine-tuning service's jobs leave it alone, since a Ctrl+C stops the server, not one job.
/// </summary>
public sealed class StopNotice
{
    /// <summary>One stage: what a stop does, what a second Ctrl+C keeps (in the first line's words), and in its own line.</summary>
    private sealed record Stage(string Stopping, string? IfAgain, string? Kept);

    private static readonly Stage Default = new("the command stops at its next safe point", null, null);

    private volatile Stage _stage = Default;
    private volatile Action<string>? _liveDisplay;

    /// <summary>
    /// Sets what is said from now on: <paramref name="stopping"/> on the first stop request ("the run finishes this step
    /// and writes a checkpoint"), <paramref name="ifAgain"/> after it ("keeping the checkpoint at step 9"), and
    /// <paramref name="kept"/> on a second Ctrl+C ("the checkpoint at step 9 is kept; to continue this run: …").
    /// </summary>
    public void Set(string stopping, string ifAgain, string kept) => _stage = new Stage(stopping, ifAgain, kept);

    /// <summary>Before a new run trains: a stop leaves <paramref name="output"/> as it was.</summary>
    public void BeforeTraining(string output) => SetKeeping(TrainingNotStarted, output);

    /// <summary>Before a resumed run trains: a stop keeps the run in <paramref name="run"/>, which <paramref name="continueCommand"/> continues.</summary>
    public void BeforeResumedTraining(string run, string continueCommand) =>
        Set(TrainingNotStarted, $"keeping the run in {run} as it was", $"the run in {run} is as it was; to continue it: {continueCommand}");

    private const string TrainingNotStarted = "the run stops before training";

    /// <summary>While a model is exported: a stop comes before it is put in place; <paramref name="ifAgain"/> and <paramref name="kept"/> as in <see cref="Set"/>.</summary>
    public void Exporting(string ifAgain, string kept) => Set(ExportNotInPlace, ifAgain, kept);

    /// <summary>While a model is exported to <paramref name="output"/>, which a stop, or a second Ctrl+C, leaves as it was.</summary>
    public void ExportingTo(string output) => SetKeeping(ExportNotInPlace, output);

    private const string ExportNotInPlace = "the export stops before the model is put in place";

    /// <summary>A stage that a stop, first or second, ends with <paramref name="kept"/> as it was.</summary>
    private void SetKeeping(string stopping, string kept) => Set(stopping, $"leaving {kept} as it was", $"{kept} is as it was");

    /// <summary>While the exported model in <paramref name="output"/> is compared with <paramref name="promoteTo"/>'s; <paramref name="continueCommand"/> does it again.</summary>
    public void Promoting(string output, string promoteTo, string continueCommand) =>
        Set("the comparison stops before promoting", $"leaving {promoteTo} as it was",
            $"the model is exported to {output}, and {promoteTo} is as it was; to compare and promote it: {continueCommand}");

    /// <summary>Back to the words that fit any command (a stage whose outcome the command has not described).</summary>
    public void Reset() => _stage = Default;

    /// <summary>
    /// Routes the first stop line through <paramref name="show"/> until the result is disposed: a live display (the
    /// training progress bar) redraws its lines over whatever else is written to the terminal, and drew over the line.
    /// </summary>
    public IDisposable ShowThrough(Action<string> show)
    {
        _liveDisplay = show;
        return new LiveDisplayEnded(this, show);
    }

    /// <summary>Shows <paramref name="line"/> through the live display if one runs; false when none does.</summary>
    public bool TryShowLive(string line)
    {
        if (_liveDisplay is not { } show) return false;
        show(line);
        return true;
    }

    private sealed class LiveDisplayEnded(StopNotice notice, Action<string> show) : IDisposable
    {
        // Only its own: a display started after this one keeps the route.
        public void Dispose() => Interlocked.CompareExchange(ref notice._liveDisplay, null, show);
    }

    /// <summary>
    /// The line for the first stop request: a Ctrl+C (<paramref name="interrupt"/>), which a second one cuts short, or
    /// SIGTERM or SIGHUP, which another of their kind does not (only SIGINT ends the process at once).
    /// </summary>
    public string StoppingLineFor(bool interrupt)
    {
        var stage = _stage;
        string again = interrupt ? "Ctrl+C again stops at once" : "Ctrl+C (SIGINT) stops at once";
        return stage.IfAgain is null ? $"stopping: {stage.Stopping} ({again})" : $"stopping: {stage.Stopping} ({again}, {stage.IfAgain})";
    }

    /// <summary>The line for a second Ctrl+C, which ends the process at once.</summary>
    public string StoppedAtOnceLine => _stage.Kept is { } kept ? $"stopped at once: {kept}" : "stopped at once";
}
