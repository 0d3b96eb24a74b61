namespace OrtAgent.Runtime.Tests;

/// <summary>Session settings speak the runtime library's language: a device that cannot be used names the property.</summary>
public sealed class OrtSessionSettingsTests
{
    [Fact]
    public void ACudaDeviceThatCannotLoadIsAnInvalidDeviceOption()
    {
        // The CPU build (the one CI builds) has no CUDA provider, so CUDA can never load here.
        var error = Assert.Throws<DeviceUnavailableException>(() => new OrtSessionSettings { Device = ExecutionDevice.Cuda }.CreateSessionOptions().Dispose());
        Assert.Equal("OrtSessionSettings.Device", error.Option);
        Assert.Equal(ExecutionDevice.Cuda, error.Device);
        Assert.StartsWith("OrtSessionSettings.Device = Cuda: the CUDA execution provider cannot be loaded here: ", error.Message);
        Assert.DoesNotContain("--", error.Message);
        Assert.IsAssignableFrom<UserInputException>(error);
    }

    public static TheoryData<OrtSessionSettings, string> UndefinedSettings => new()
    {
        { new OrtSessionSettings { Device = (ExecutionDevice)7 }, nameof(OrtSessionSettings.Device) },
        { new OrtSessionSettings { CpuMemory = (CpuMemoryMode)(-1) }, nameof(OrtSessionSettings.CpuMemory) },
        { new OrtSessionSettings { OptimizationLevel = (Microsoft.ML.OnnxRuntime.GraphOptimizationLevel)42 }, nameof(OrtSessionSettings.OptimizationLevel) },
        { new OrtSessionSettings { DeviceId = -1 }, nameof(OrtSessionSettings.DeviceId) },
    };

    /// <summary>A cast integer is no setting: an undefined device used to run on the CPU without a word.</summary>
    [Theory]
    [MemberData(nameof(UndefinedSettings))]
    public void ValuesOutsideASettingsRangeAreRefusedNamingTheSetting(OrtSessionSettings settings, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => settings.CreateSessionOptions().Dispose());
        Assert.Equal(name, error.ParamName);
    }
}
