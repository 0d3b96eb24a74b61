using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Runtime.Tests.Explanations;

/// <summary>Explain's options are refused as the library's other options are: an <see cref="InvalidOptionException"/> naming <c>Type.Property</c>.</summary>
public sealed class ExplainOptionsTests
{
    public static TheoryData<ExplainOptions, string, string> BadOptions => new()
    {
        { new ExplainOptions { Steps = 0 }, "ExplainOptions.Steps", "ExplainOptions.Steps = 0: must be a number of path points between 1 and 1024" },
        { new ExplainOptions { Steps = 1025 }, "ExplainOptions.Steps", "ExplainOptions.Steps = 1025: must be a number of path points between 1 and 1024" },
        { new ExplainOptions { MaxPointsPerRun = 0 }, "ExplainOptions.MaxPointsPerRun", "ExplainOptions.MaxPointsPerRun = 0: must be at least 1" },
        { new ExplainOptions { Baseline = (ExplainBaseline)7 }, "ExplainOptions.Baseline", "ExplainOptions.Baseline = 7: is not a known baseline" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadOptionIsNamedByItsProperty(ExplainOptions options, string option, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(options.Validate);

        Assert.Equal(option, error.Option);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void TheDefaultsAreValid() => new ExplainOptions().Validate();
}
