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

    /// <summary>
    /// The CUDA provider gets its device and TF32 choice through its options object, the path a GPU build takes; on the
    /// CPU build creating that object fails, and the failure is the same device error as before it existed.
    /// </summary>
    [Theory]
    [InlineData(true, "1")]
    [InlineData(false, "0")]
    public void TheCudaProviderIsToldTheDeviceAndWhetherItMayUseTf32(bool allowTf32, string useTf32)
    {
        var settings = new OrtSessionSettings { Device = ExecutionDevice.Cuda, DeviceId = 3, AllowTf32 = allowTf32 };

        Assert.Equal(new Dictionary<string, string> { ["device_id"] = "3", ["use_tf32"] = useTf32 }, settings.CudaProviderOptions());
        var error = Assert.Throws<DeviceUnavailableException>(() => settings.CreateSessionOptions().Dispose());
        Assert.StartsWith("OrtSessionSettings.Device = Cuda: the CUDA execution provider cannot be loaded here: ", error.Message);
    }

    [Fact]
    public void TheCpuIgnoresTheTf32Choice()
    {
        using var options = new OrtSessionSettings { AllowTf32 = false }.CreateSessionOptions();
        Assert.Equal(Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL, options.GraphOptimizationLevel);
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
