using System.Runtime.CompilerServices;
using OrtAgent.Runtime;

namespace OrtAgent.Tests.Shared;

/// <summary>
/// Compiled into every test project (linked from tests/Shared; a module initializer in OrtAgent.TestSupport would run
/// only when that assembly loads, too late).
/// The test process opts out of ONNX Runtime's telemetry as OrtAgent's programs do, when the test assembly loads:
/// before any test thread runs (the variable is set natively, which is unsafe while other threads read the
/// environment) and before tests that create sessions without OrtAgent's settings initialise ONNX Runtime.
/// </summary>
internal static class TestProcessTelemetry
{
#pragma warning disable CA2255 // A test assembly is its process's program; this is the start-up code a program would run.
    [ModuleInitializer]
    internal static void TurnOff() => OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);
#pragma warning restore CA2255
}
