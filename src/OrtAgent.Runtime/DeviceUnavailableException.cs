namespace OrtAgent.Runtime;

/// <summary>
/// The execution device asked for (<see cref="OrtSessionSettings.Device"/>, CUDA) cannot be used on this machine or with
/// this build. It is an <see cref="InvalidOptionException"/> on <c>OrtSessionSettings.Device</c>: the user can fix it by
/// choosing another device or build.
/// </summary>
public sealed class DeviceUnavailableException : InvalidOptionException
{
    public DeviceUnavailableException(ExecutionDevice device, string problem, Exception inner)
        : base(Name<OrtSessionSettings>(nameof(OrtSessionSettings.Device)), device, problem, inner)
    {
        Device = device;
    }

    /// <summary>The device that cannot be used.</summary>
    public ExecutionDevice Device { get; }
}
