using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime;

/// <summary>
/// The gate every OrtAgent use of ONNX Runtime passes first. It decides, once per process, whether ONNX Runtime's own
/// telemetry may run, and it does so before ONNX Runtime initialises, because that is when ONNX Runtime reads the choice.
/// </summary>
/// <remarks>
/// <para>
/// The official ONNX Runtime builds collect telemetry. On Linux and macOS (1DS) a process that creates an ONNX Runtime
/// environment writes a persistent device identifier and an offline event database for upload
/// (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>, under <c>Microsoft/DeveloperTools/.onnxruntime/</c>). The only full
/// opt-out is <c>ORT_DISABLE_TELEMETRY=1</c> in the native environment before the first environment or session options
/// are created; afterwards the uploader already runs. <c>DisableTelemetryEvents</c> alone only suppresses non-essential
/// events. On Windows the official builds log through ETW instead, recorded only while a trace session collects, and
/// <c>DisableTelemetryEvents</c> is the switch there.
/// </para>
/// <para>
/// Off is the default: the first session created through <see cref="OrtSessionSettings"/> decides off unless its
/// <see cref="OrtSessionSettings.AllowOnnxRuntimeTelemetry"/> is set. An application that creates ONNX Runtime
/// sessions or an <see cref="OrtEnv"/> of its own before OrtAgent's first session should call
/// <see cref="ConfigureTelemetry"/> first, at start-up, before other threads run (setting a native environment
/// variable is not safe while another thread reads the environment).
/// </para>
/// </remarks>
public static class OnnxRuntimeEnvironment
{
    /// <summary>The variable ONNX Runtime reads once, when it initialises, on non-Windows platforms.</summary>
    public const string TelemetryOptOutVariable = "ORT_DISABLE_TELEMETRY";

    private static readonly object Gate = new();
    private static bool? _telemetryAllowed;
    private static bool _eventsDisabled;

    /// <summary>The process's decision: null until made, then fixed for the life of the process.</summary>
    public static bool? TelemetryAllowed
    {
        get
        {
            lock (Gate) return _telemetryAllowed;
        }
    }

    /// <summary>
    /// Decides whether ONNX Runtime's telemetry may run in this process, if nothing decided yet, without loading
    /// ONNX Runtime. Off sets <see cref="TelemetryOptOutVariable"/> to 1 where native code reads it; on leaves the
    /// environment as the user set it (so a user's own <c>ORT_DISABLE_TELEMETRY=1</c> still wins).
    /// </summary>
    /// <returns>The decision in force, which is the first one made: ONNX Runtime reads it once per process.</returns>
    public static bool ConfigureTelemetry(bool allow)
    {
        lock (Gate)
        {
            if (_telemetryAllowed is { } decided) return decided;
            if (!allow) NativeEnvironment.Set(TelemetryOptOutVariable, "1");
            _telemetryAllowed = allow;
            return allow;
        }
    }

    /// <summary>
    /// ONNX Runtime's process-wide environment, created if need be after the telemetry decision (off if none was
    /// made); with telemetry off, its events are disabled through the API as well.
    /// </summary>
    public static OrtEnv Instance()
    {
        lock (Gate)
        {
            bool allowed = ConfigureTelemetry(allow: false);
            var environment = OrtEnv.Instance();
            if (!allowed && !_eventsDisabled)
            {
                environment.DisableTelemetryEvents();
                _eventsDisabled = true;
            }
            return environment;
        }
    }
}
