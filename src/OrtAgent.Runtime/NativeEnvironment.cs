using System.Runtime.InteropServices;

namespace OrtAgent.Runtime;

/// <summary>
/// The process environment as native code reads it. On Unix, .NET keeps its own copy of the environment:
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes that copy only, and ONNX Runtime's
/// <c>getenv</c> never sees it. On Windows the managed call does write the process's environment block.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> for native code and managed code alike (and for child processes started from .NET).</summary>
    /// <exception cref="InvalidOperationException">The C library refused (out of memory).</exception>
    public static void Set(string name, string value)
    {
        if (!OperatingSystem.IsWindows() && setenv(name, value, overwrite: 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>The value native code reads for <paramref name="name"/>, or null when it is unset.</summary>
    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        var value = getenv(name);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
