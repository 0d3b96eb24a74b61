namespace OrtAgent.Onnx.Tests;

/// <summary>
/// The kill-safety tests' plumbing stays out of the public API; unset, a point does nothing. The kills themselves are
/// tried in child processes by <c>OrtAgent.Tests</c>' reliability tests and <c>tools/fault-injection</c>.
/// </summary>
public sealed class CrashPointTests
{
    [Fact]
    public void CrashPointIsNotPartOfThePublicApi()
    {
        Assert.False(typeof(CrashPoint).IsPublic);
        Assert.DoesNotContain(typeof(Graph).Assembly.GetExportedTypes(), t => t.Name == nameof(CrashPoint));
    }

    [Fact]
    public void WithTheVariableUnsetEveryPointIsPassed()
    {
        Assert.Null(Environment.GetEnvironmentVariable(CrashPoint.Variable));

        foreach (var point in CrashPoint.All)
            for (int arrival = 0; arrival < 3; arrival++) CrashPoint.Reach(point);
    }
}
