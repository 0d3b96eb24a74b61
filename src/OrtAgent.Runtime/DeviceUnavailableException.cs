namespace OrtAgent.Runtime;

/// <summary>
/// The execution device asked for (<see cref="OrtSessionSettings.Device"/>, CUDA) cannot be used on this machine or with
/// this build. It is an <see cref="InvalidOptionException"/> on <c>OrtSessionSettings.Device</c>: the user can fix it by
/// choosing another device or build.
/// </summary>
public sealed class DeviceUnavailableException : InvalidOptionException
{
    /// <summary>Reports that <paramref name="device"/> cannot be used.</summary>
    /// <param name="device">The device that was asked for.</param>
    /// <param name="problem">Why it cannot be used, fit to follow the option's name in a message to the user.</param>
    /// <param name="inner">The ONNX Runtime or loader error that showed it.</param>
    public DeviceUnavailableException(ExecutionDevice device, string problem, Exception inner)
        : base(Name<OrtSessionSettings>(nameof(OrtSessionSettings.Device)), device, problem, inner)
    {
        Device = device;
    }

    /// <summary>The device that cannot be used.</summary>
    public ExecutionDevice Device { get; }
}
