using ModelContextProtocol;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// start_fine_tuning over stdio reads a training_file path on the server's machine. A relative one was refused as
/// "'training_file': reviews.csv: file not found", resolved against the server's working directory without a word:
/// the message names the full path looked at, and where a relative path is read from.
/// </summary>
public sealed class FineTuningToolPathTests
{
    [Fact]
    public void AMissingRelativePathIsNamedInFullWithWhereItWasReadFrom()
    {
        const string Relative = "no-such-reviews-7f3a.csv";
        var tools = new FineTuningTools(new FakeFineTuningJobs(), new FineTuningToolOptions(AllowLocalPaths: true));

        var error = Assert.Throws<McpException>(() => tools.StartFineTuning(training_file: Relative));

        Assert.Equal($"'training_file': {Path.GetFullPath(Relative)}: file not found ('{Relative}' is relative, so it was read from this server's working directory, "
            + $"{Environment.CurrentDirectory}; give an absolute path)", error.Message);
    }

    [Fact]
    public void AMissingAbsolutePathIsNamedAsGiven()
    {
        string absolute = Path.Combine(Path.GetTempPath(), "no-such-reviews-7f3a.csv");
        var tools = new FineTuningTools(new FakeFineTuningJobs(), new FineTuningToolOptions(AllowLocalPaths: true));

        var error = Assert.Throws<McpException>(() => tools.StartFineTuning(training_file: absolute));

        Assert.Equal($"'training_file': {absolute}: file not found", error.Message);
    }
}
