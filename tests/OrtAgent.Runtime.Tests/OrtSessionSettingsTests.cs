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
    /// Without the provider library the message says what is missing and where it comes from, for a reader who built
    /// this repository and for one whose app takes OrtAgent.Runtime as a package (which -p:OrtAgentDevice cannot change):
    /// until 2026-12-07 it said only "this build has no CUDA provider; build with -p:OrtAgentDevice=cuda".
    /// </summary>
    [Fact]
    public void WithoutTheCudaProviderTheMessageSaysThePackageIsCpuOnlyAndWhereCudaComesFrom()
    {
        var library = OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var rid = $"{os}-{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";

        var error = Assert.Throws<DeviceUnavailableException>(() => new OrtSessionSettings { Device = ExecutionDevice.Cuda }.CreateSessionOptions().Dispose());

        Assert.Equal("OrtSessionSettings.Device = Cuda: the CUDA execution provider cannot be loaded here: "
            + $"the ONNX Runtime in this process has no CUDA provider (no {library} beside the app or in runtimes/{rid}/native): "
            + "the OrtAgent.Runtime package and OrtAgent's default build run Microsoft.ML.OnnxRuntime, which is CPU-only; "
            + "for CUDA, build OrtAgent from source with -p:OrtAgentDevice=cuda (Microsoft.ML.OnnxRuntime.Gpu; see the README's GPU paragraph) "
            + "and run it on a machine with an NVIDIA GPU and a CUDA 13 driver", error.Message);
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

    public static TheoryData<OrtSessionSettings, string, string> SettingsOutOfRange => new()
    {
        { new OrtSessionSettings { IntraOpThreads = -1 }, "OrtSessionSettings.IntraOpThreads", "OrtSessionSettings.IntraOpThreads = -1: must be 0 (automatic) to 1024" },
        { new OrtSessionSettings { IntraOpThreads = 99999 }, "OrtSessionSettings.IntraOpThreads", "OrtSessionSettings.IntraOpThreads = 99999: must be 0 (automatic) to 1024" },
        { new OrtSessionSettings { DeviceId = -1 }, "OrtSessionSettings.DeviceId", "OrtSessionSettings.DeviceId = -1: must be 0 or more (a CUDA device ordinal)" },
        { new OrtSessionSettings { Device = (ExecutionDevice)7 }, "OrtSessionSettings.Device", "OrtSessionSettings.Device = 7: is not one of Cpu, Cuda" },
        { new OrtSessionSettings { CpuMemory = (CpuMemoryMode)(-1) }, "OrtSessionSettings.CpuMemory", "OrtSessionSettings.CpuMemory = -1: is not one of SessionArena, SharedArena" },
        {
            new OrtSessionSettings { OptimizationLevel = (Microsoft.ML.OnnxRuntime.GraphOptimizationLevel)42 }, "OrtSessionSettings.OptimizationLevel",
            "OrtSessionSettings.OptimizationLevel = 42: is not one of ORT_DISABLE_ALL, ORT_ENABLE_BASIC, ORT_ENABLE_EXTENDED, ORT_ENABLE_LAYOUT, ORT_ENABLE_ALL"
        },
    };

    /// <summary>
    /// A value outside a setting's range is the library's option error naming <c>Type.Property</c>, as the other options'
    /// are (it was an <see cref="ArgumentOutOfRangeException"/> naming the property alone), from <see cref="OrtSessionSettings.Validate"/>
    /// and from creating the session. A cast integer is no setting: an undefined device used to run on the CPU without a word.
    /// </summary>
    [Theory]
    [MemberData(nameof(SettingsOutOfRange))]
    public void ValuesOutsideASettingsRangeAreRefusedNamingTheSetting(OrtSessionSettings settings, string option, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(settings.Validate);
        Assert.Equal(option, error.Option);
        Assert.Equal(message, error.Message);

        Assert.Equal(message, Assert.Throws<InvalidOptionException>(() => settings.CreateSessionOptions().Dispose()).Message);
    }

    /// <summary>The range is written in the invariant culture, whatever the culture of the thread that checks it.</summary>
    [Fact]
    public void TheRangeIsWrittenInTheInvariantCulture()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            // Swedish writes a minus as U+2212; Arabic (Egypt) writes its own digits where asked.
            foreach (var name in new[] { "sv-SE", "ar-EG" })
            {
                System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.GetCultureInfo(name);
                var error = Assert.Throws<InvalidOptionException>(new OrtSessionSettings { IntraOpThreads = -1 }.Validate);
                Assert.Equal("OrtSessionSettings.IntraOpThreads = -1: must be 0 (automatic) to 1024", error.Message);
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void TheDefaultsAreValid() => new OrtSessionSettings().Validate();

    /// <summary>A profile prefix in a missing directory loaded, ran and wrote nothing, without a word.</summary>
    [Fact]
    public void AProfilePrefixInAMissingDirectoryIsRefusedNamingTheDirectory()
    {
        using var root = new TempDirectory("profile-prefix");
        var missing = root.Combine("absent");
        var prefix = Path.Combine(missing, "profile");

        var error = Assert.Throws<InvalidOptionException>(() => new OrtSessionSettings { ProfilePrefix = prefix }.CreateSessionOptions().Dispose());

        Assert.Equal("OrtSessionSettings.ProfilePrefix", error.Option);
        Assert.Equal($"OrtSessionSettings.ProfilePrefix = '{prefix}': is in {missing}, which does not exist; ONNX Runtime would write no profile there", error.Message);
        new OrtSessionSettings { ProfilePrefix = root.Combine("profile") }.CreateSessionOptions().Dispose();
    }
}
