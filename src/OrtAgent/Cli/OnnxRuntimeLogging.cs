using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;

namespace OrtAgent.Cli;

/// <summary>
/// How much of ONNX Runtime's own logging reaches stderr. Its messages bypass the CLI's logging: by default only fatal
/// ones show, since every failure also arrives as an exception that <see cref="CommandErrorHandler"/> words as one
/// line; ONNX Runtime would otherwise print the same failure again in its own format (a CUDA provider that cannot
/// load), and warnings that are not the user's to act on (nodes the CUDA provider leaves to the CPU). With
/// <c>--verbose</c> its warnings show too.
/// </summary>
internal static class OnnxRuntimeLogging
{
    /// <summary>Sets the level of the process's ONNX Runtime environment, creating it if need be.</summary>
    public static void Apply(bool verbose) =>
        OnnxRuntimeEnvironment.Instance().EnvLogLevel = verbose ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING : OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
}
