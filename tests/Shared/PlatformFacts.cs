namespace OrtAgent.Tests.Shared;

/// <summary>
/// A fact that tests something only Unix systems have (errno values, file modes, a terminal's hang-up). Elsewhere it
/// is reported as skipped, with the reason, rather than passing without having run.
/// </summary>
internal sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute(string because)
    {
        if (OperatingSystem.IsWindows()) Skip = $"Unix only: {because}";
    }
}

/// <summary>
/// A fact that tests something only Linux has (SO_REUSEPORT's number, renameat2, /proc). Elsewhere it is reported
/// as skipped, with the reason, rather than passing without having run.
/// </summary>
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string because)
    {
        if (!OperatingSystem.IsLinux()) Skip = $"Linux only: {because}";
    }
}

/// <summary>A theory that tests something only Unix systems have; elsewhere each case is skipped with the reason.</summary>
internal sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute(string because)
    {
        if (OperatingSystem.IsWindows()) Skip = $"Unix only: {because}";
    }
}

/// <summary>A theory that tests something only Linux has; elsewhere each case is skipped with the reason.</summary>
internal sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute(string because)
    {
        if (!OperatingSystem.IsLinux()) Skip = $"Linux only: {because}";
    }
}
