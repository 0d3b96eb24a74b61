namespace OrtAgent.Tests.Infrastructure;

/// <summary>A hand-written <see cref="TimeProvider"/> whose time moves only when a test calls <see cref="Advance"/>.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
