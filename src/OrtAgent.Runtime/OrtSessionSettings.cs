using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime;

/// <summary>
/// How an ONNX Runtime session is configured: device, threads and graph optimisation. Shared by inference and
/// training so that both configure sessions one way.
/// </summary>
public sealed record OrtSessionSettings
{
    /// <summary>Where the session runs; <see cref="ExecutionDevice.Cpu"/> by default. <see cref="CreateSessionOptions"/> throws <see cref="DeviceUnavailableException"/> when CUDA cannot be loaded.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>CUDA device ordinal when <see cref="Device"/> is CUDA.</summary>
    public int DeviceId { get; init; }

    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose (one per physical core); at most <see cref="MaxIntraOpThreads"/>.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// The most <see cref="IntraOpThreads"/> a session takes: ONNX Runtime starts every one at once, so a mistyped
    /// 99999 would start tens of thousands of threads and take the machine's memory; no CPU has this many cores.
    /// </summary>
    public const int MaxIntraOpThreads = 1024;

    /// <summary>How far ONNX Runtime rewrites the graph before running it; all optimisations by default.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>How the session's CPU memory is allocated; see <see cref="CpuMemoryMode"/>.</summary>
    public CpuMemoryMode CpuMemory { get; init; } = CpuMemoryMode.SessionArena;

    /// <summary>
    /// Lets the CUDA provider run float32 MatMuls and convolutions on TF32 tensor cores, which round their inputs to 10
    /// bits of mantissa (ONNX Runtime's default, and faster on Ampere and later GPUs). False keeps full float32, as
    /// PyTorch's MatMul does by default, so that results compare with the CPU's to float rounding. The CPU ignores it.
    /// </summary>
    public bool AllowTf32 { get; init; } = true;

    /// <summary>
    /// Path of an ONNX Runtime profile to write (ONNX Runtime adds a timestamp and <c>.json</c>), or null for none. Its
    /// directory must exist: ONNX Runtime writes no profile into a missing one, and says nothing.
    /// </summary>
    public string? ProfilePrefix { get; init; }

    /// <summary>
    /// Lets ONNX Runtime's own telemetry run in this process (off by default: OrtAgent opts out; see
    /// <see cref="OnnxRuntimeEnvironment"/> for what it collects and where it writes).
    /// </summary>
    /// <remarks>
    /// Process-wide, and read once: ONNX Runtime takes the choice when it initialises, so the first session the process
    /// creates (or an earlier <see cref="OnnxRuntimeEnvironment.ConfigureTelemetry"/> call) decides for every later one.
    /// A later session whose setting disagrees changes nothing: after an opt-out, telemetry stays off; after an opt-in,
    /// it stays on. <see cref="OnnxRuntimeEnvironment.TelemetryAllowed"/> tells which decision holds.
    /// </remarks>
    public bool AllowOnnxRuntimeTelemetry { get; init; }

    /// <summary>
    /// Checks every value; the first bad one is an <see cref="InvalidOptionException"/> naming its property
    /// (<c>OrtSessionSettings.IntraOpThreads = -1: must be 0 (automatic) to 1024</c>). <see cref="CreateSessionOptions"/>
    /// checks first too; a host calls this to refuse the settings before it loads anything.
    /// </summary>
    /// <exception cref="InvalidOptionException"><see cref="IntraOpThreads"/> is negative or above <see cref="MaxIntraOpThreads"/>,
    /// <see cref="DeviceId"/> is negative, an enum holds a value it does not define, or <see cref="ProfilePrefix"/> is
    /// empty or in a directory that does not exist.</exception>
    public void Validate()
    {
        if (ProfilePrefix is not null)
        {
            if (string.IsNullOrWhiteSpace(ProfilePrefix)) throw Invalid(nameof(ProfilePrefix), ProfilePrefix, "is empty; leave it null to write no profile");
            var directory = Path.GetDirectoryName(Path.GetFullPath(ProfilePrefix));
            if (directory is not null && !Directory.Exists(directory))
                throw Invalid(nameof(ProfilePrefix), ProfilePrefix, $"is in {directory}, which does not exist; ONNX Runtime would write no profile there");
        }
        if (IntraOpThreads is < 0 or > MaxIntraOpThreads)
            throw Invalid(nameof(IntraOpThreads), IntraOpThreads, string.Create(CultureInfo.InvariantCulture, $"must be 0 (automatic) to {MaxIntraOpThreads}"));
        if (DeviceId < 0) throw Invalid(nameof(DeviceId), DeviceId, "must be 0 or more (a CUDA device ordinal)");
        // A cast integer is no setting: (ExecutionDevice)7 would otherwise run on the CPU without a word.
        RequireDefined(Device, nameof(Device));
        RequireDefined(CpuMemory, nameof(CpuMemory));
        RequireDefined(OptimizationLevel, nameof(OptimizationLevel));
    }

    /// <summary>Creates session options; the caller owns (and must dispose) the returned object.</summary>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and cannot be loaded.</exception>
    /// <exception cref="InvalidOptionException">A value is out of range (see <see cref="Validate"/>).</exception>
    public SessionOptions CreateSessionOptions()
    {
        Validate();
        // Session options initialise ONNX Runtime, and with it its telemetry: decide first.
        OnnxRuntimeEnvironment.ConfigureTelemetry(AllowOnnxRuntimeTelemetry);
        OnnxRuntimeEnvironment.Instance();
        var options = new SessionOptions { GraphOptimizationLevel = OptimizationLevel };
        try
        {
            if (IntraOpThreads > 0) options.IntraOpNumThreads = IntraOpThreads;
            options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            options.EnableCpuMemArena = true;
            options.EnableMemoryPattern = CpuMemory == CpuMemoryMode.SessionArena;
            if (CpuMemory == CpuMemoryMode.SharedArena)
            {
                SharedCpuArena.EnsureRegistered();
                options.AddSessionConfigEntry(SharedCpuArena.UseEnvironmentAllocatorsKey, "1");
            }
            if (ProfilePrefix is not null)
            {
                // ONNX Runtime takes the prefix when profiling is switched on, so it must be set first.
                options.ProfileOutputPathPrefix = ProfilePrefix;
                options.EnableProfiling = true;
            }
            if (Device == ExecutionDevice.Cuda)
            {
                try
                {
                    // The provider copies its options, so they are released once appended.
                    using var cuda = new OrtCUDAProviderOptions();
                    cuda.UpdateOptions(CudaProviderOptions());
                    options.AppendExecutionProvider_CUDA(cuda);
                }
                catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    var reason = CudaProviderDiagnosis.Explain() ?? ex.Message.Split('\n')[0];
                    throw new DeviceUnavailableException(Device, $"the CUDA execution provider cannot be loaded here: {reason}", ex);
                }
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>What the CUDA provider is given, by ONNX Runtime's names for its options.</summary>
    internal Dictionary<string, string> CudaProviderOptions() => new()
    {
        ["device_id"] = DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["use_tf32"] = AllowTf32 ? "1" : "0",
    };

    private static void RequireDefined<T>(T value, string property) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) throw Invalid(property, value, $"is not one of {string.Join(", ", Enum.GetNames<T>())}");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<OrtSessionSettings>(property), value, problem);
}
