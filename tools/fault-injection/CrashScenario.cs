namespace OrtAgent.FaultInjection;

/// <summary>One crash to try: the command it interrupts, the <see cref="CrashPoint"/> and which arrival at it.</summary>
/// <param name="Command">"train" (train, export and promote in one run), "distill" (a student of the trained model) or "predict" (a file of predictions).</param>
/// <param name="Point">A <see cref="CrashPoint"/> name.</param>
/// <param name="Arrival">Which arrival at the point kills the process (1 = the first).</param>
/// <param name="ByRenames">Whether the killed process swaps directories by two renames where Linux would exchange them
/// in one step (<see cref="CrashPoint.SwapVariable"/>), as other systems and file systems do.</param>
public sealed record CrashScenario(string Command, string Point, int Arrival, bool ByRenames = false)
{
    public override string ToString() => $"{Command} {Point}:{Arrival}{(ByRenames ? " (by renames)" : "")}";
}
