namespace OrtAgent.Runtime;

/// <summary>The execution device asked for (CUDA) cannot be used on this machine or with this build.</summary>
public sealed class DeviceUnavailableException : Exception
{
    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }
}
