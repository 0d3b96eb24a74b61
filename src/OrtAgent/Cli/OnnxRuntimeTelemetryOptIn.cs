using OrtAgent.Runtime;

namespace OrtAgent.Cli;

/// <summary>
/// The CLI's one switch for ONNX Runtime's own telemetry: off unless <c>ORTAGENT_ORT_TELEMETRY=1</c> is in the
/// environment. Applied when the CLI starts, before any command can initialise ONNX Runtime, so every command (and
/// every service a command hosts) runs with the same decision.
/// </summary>
internal static class OnnxRuntimeTelemetryOptIn
{
    public const string Variable = "ORTAGENT_ORT_TELEMETRY";

    /// <summary>Decides for this process; a decision made earlier in the process (tests running the CLI in-process) stands.</summary>
    public static void Apply() =>
        OnnxRuntimeEnvironment.ConfigureTelemetry(allow: Environment.GetEnvironmentVariable(Variable) == "1");
}
