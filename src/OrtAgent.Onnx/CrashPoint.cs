using System.Diagnostics;
using System.Globalization;

namespace OrtAgent;

/// <summary>
/// Named places where a process can die mid-work (between a write and its rename, between two renames, after a
/// training step), for the fault-injection tests: with <c>ORTAGENT_CRASH_AT=NAME</c> (or <c>NAME:N</c>, the N-th time
/// it is reached) the process kills itself with SIGKILL right there, exactly as <c>kill -9</c> would, so the tests
/// can prove that every crash leaves the old state or the new one and that the next run recovers.
/// </summary>
/// <remarks>
/// <para>
/// Test plumbing, not API: internal, seen only by the assemblies that mark points (<c>OrtAgent.Training</c>, the CLI) and
/// those that drive the kills (<c>OrtAgent.Tests</c>, <c>tools/fault-injection</c>), through <c>InternalsVisibleTo</c>.
/// </para>
/// <para>
/// It stays in Release builds on purpose: the kills happen in child <c>ortagent</c> processes that the reliability tests
/// and the campaign start from the Release build they test, so compiling the points out would test another program than
/// the one users run. Unset (always, outside those tests) it costs nothing that matters: the variable is read once, when
/// the type is first used, and every later arrival is one test of a static readonly field that holds null.
/// </para>
/// <para>The point names are the constants below; <c>tools/fault-injection</c> and the reliability tests list the ones they try.</para>
/// </remarks>
internal static class CrashPoint
{
    /// <summary>The environment variable naming the point (and optionally which arrival) to die at.</summary>
    public const string Variable = "ORTAGENT_CRASH_AT";

    /// <summary>After an optimizer step was taken and logged.</summary>
    public const string TrainStep = "train.step";

    /// <summary>A checkpoint's tensors are in <c>checkpoint.next/</c>; its trainer state and properties are not.</summary>
    public const string CheckpointTensorsWritten = "checkpoint.tensors-written";

    /// <summary>A file's bytes are in its temporary name, not yet flushed or renamed into place.</summary>
    public const string FileWritten = "file.written";

    /// <summary>
    /// A directory swap is half done: it has moved the old directory aside and not yet moved the new one in, or, where
    /// it exchanges the two in one step (Linux), it has exchanged them and not yet deleted the old one.
    /// </summary>
    public const string BetweenRenames = "directory.between-renames";

    /// <summary>An export's <c>model.onnx</c> is in the staging directory; the rest of the export is not.</summary>
    public const string ExportModelWritten = "export.model-written";

    /// <summary>A promotion's staging copy is complete; the swap has not begun.</summary>
    public const string PromotionCopied = "promote.copied";

    /// <summary>A batch of predictions was written to the temporary output file.</summary>
    public const string PredictionsWritten = "predict.batch-written";

    /// <summary>
    /// A data file a user named is open for reading, nothing of it read yet. A stall point (<see cref="StallVariable"/>):
    /// the tests of a stop while a run's work is stuck wait here, as a read of a slow disk or a network share would.
    /// </summary>
    public const string DataOpened = "data.opened";

    /// <summary>
    /// The environment variable naming a point, as <see cref="Variable"/> does, where the process waits for ever instead
    /// of dying: what a stop does while the work is stuck (a second Ctrl+C, a claim held) is then tested without a FIFO,
    /// which data paths refuse. Test-only, like <see cref="Variable"/>.
    /// </summary>
    public const string StallVariable = "ORTAGENT_STALL_AT";

    /// <summary>
    /// The environment variable that, set to <see cref="SwapByRenames"/>, makes every directory swap take the two renames
    /// other systems and file systems fall back to, where Linux would exchange the two directories in one step: so the
    /// crash tests can kill a process between those renames on Linux too. Test-only, like <see cref="Variable"/>: no
    /// option, setting or documented variable leads to it, and any other value is ignored.
    /// </summary>
    public const string SwapVariable = "ORTAGENT_CRASH_SWAP";

    /// <summary>The one value of <see cref="SwapVariable"/> that has an effect.</summary>
    public const string SwapByRenames = "renames";

    /// <summary>Whether <see cref="SwapVariable"/> asks for the two renames (read once, as <see cref="Variable"/> is).</summary>
    public static bool SwapsByRenames { get; } = Environment.GetEnvironmentVariable(SwapVariable) == SwapByRenames;

    /// <summary>Every point, for tools that try them all.</summary>
    public static readonly IReadOnlyList<string> All =
        [TrainStep, CheckpointTensorsWritten, FileWritten, BetweenRenames, ExportModelWritten, PromotionCopied, PredictionsWritten];

    private static readonly (string Name, int Arrival)? Target = Parse(Environment.GetEnvironmentVariable(Variable));
    private static readonly (string Name, int Arrival)? StallTarget = Parse(Environment.GetEnvironmentVariable(StallVariable));
    private static int _arrivals, _stallArrivals;

    /// <summary>
    /// Marks arrival at <paramref name="name"/>; dies there when <see cref="Variable"/> asks for this arrival, and waits
    /// there for ever when <see cref="StallVariable"/> does.
    /// </summary>
    public static void Reach(string name)
    {
        if (IsAsked(Target, name, ref _arrivals))
        {
            Console.Error.WriteLine($"crash point {name}:{Target!.Value.Arrival} reached; killing the process");
            Console.Error.Flush();
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
        if (IsAsked(StallTarget, name, ref _stallArrivals))
        {
            Console.Error.WriteLine($"stall point {name}:{StallTarget!.Value.Arrival} reached; waiting for ever");
            Console.Error.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private static bool IsAsked((string Name, int Arrival)? target, string name, ref int arrivals) =>
        target is { } asked && string.Equals(asked.Name, name, StringComparison.Ordinal) && Interlocked.Increment(ref arrivals) == asked.Arrival;

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        int colon = value.LastIndexOf(':');
        if (colon < 0) return (value.Trim(), 1);
        return int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int arrival) && arrival > 0
            ? (value[..colon].Trim(), arrival)
            : (value.Trim(), 1);
    }
}
