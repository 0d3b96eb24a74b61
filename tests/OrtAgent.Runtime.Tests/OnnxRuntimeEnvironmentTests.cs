namespace OrtAgent.Runtime.Tests;

/// <summary>
/// The opt-out as native code sees it, in this process (whose start-up decided off, as OrtAgent's programs do). That
/// the opt-out keeps ONNX Runtime from writing anything is shown on whole programs in OrtAgent.Tests' privacy tests.
/// </summary>
public sealed class OnnxRuntimeEnvironmentTests
{
    [Fact]
    public void TheOptOutIsInTheEnvironmentThatNativeCodeReads()
    {
        Assert.False(OnnxRuntimeEnvironment.TelemetryAllowed);
        // .NET's own Environment.SetEnvironmentVariable would pass the managed check only; ONNX Runtime calls getenv.
        Assert.Equal("1", NativeEnvironment.Get(OnnxRuntimeEnvironment.TelemetryOptOutVariable));
        Assert.Equal("1", Environment.GetEnvironmentVariable(OnnxRuntimeEnvironment.TelemetryOptOutVariable));
    }

    [Fact]
    public void TheFirstDecisionStandsForTheProcess()
    {
        Assert.False(OnnxRuntimeEnvironment.ConfigureTelemetry(allow: true));
        Assert.False(OnnxRuntimeEnvironment.TelemetryAllowed);
        Assert.Equal("1", NativeEnvironment.Get(OnnxRuntimeEnvironment.TelemetryOptOutVariable));
    }
}
