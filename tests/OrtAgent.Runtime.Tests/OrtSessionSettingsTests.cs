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
}
