namespace OrtAgent.Progress;

/// <summary>
/// An <see cref="IProgress{T}"/> that hands each report to <paramref name="report"/> on the reporting thread, in the
/// order made. <see cref="Progress{T}"/> posts each to the thread pool instead, where two could run in either order,
/// and a protocol that requires progress to increase (MCP's <c>notifications/progress</c>) would see it go back.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
