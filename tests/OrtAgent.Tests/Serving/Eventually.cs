using System.Diagnostics;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// Polls for a condition the server makes true just after it answers (its log line and request counter are written
/// once the response has left), within a bounded time.
/// </summary>
internal static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || clock.Elapsed > (limit ?? TimeSpan.FromSeconds(5))) return value;
            await Task.Delay(20);
        }
    }
}
