namespace OrtAgent.Runtime;

public sealed partial class TextClassifier
{
    // Calls in progress hold a lease; Dispose waits for them to end before it frees the native sessions, so a call
    // racing Dispose finishes or gets ObjectDisposedException, never a freed session (which crashed the process).
    private readonly object _lifetime = new();
    private int _calls;
    private bool _disposed;

    private Lease Use()
    {
        lock (_lifetime)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _calls++;
        }
        return new Lease(this);
    }

    private readonly struct Lease(TextClassifier owner) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lifetime)
            {
                if (--owner._calls == 0) Monitor.PulseAll(owner._lifetime);
            }
        }
    }

    /// <summary>
    /// Releases the ONNX Runtime sessions, once the calls in progress have returned; later calls throw
    /// <see cref="ObjectDisposedException"/>. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        lock (_lifetime)
        {
            if (_disposed) return;
            _disposed = true;
            while (_calls > 0) Monitor.Wait(_lifetime);
        }
        _session.Dispose();
        _explainSession?.Dispose();
        _checkedGraph?.Dispose();
    }

    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null; the exception names <paramref name="parameter"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> holds half a surrogate pair, which is not text.</exception>
    private static void RequireText([System.Diagnostics.CodeAnalysis.NotNull] string? text, string parameter)
    {
        ArgumentNullException.ThrowIfNull(text, parameter);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i]))
                throw new ArgumentException($"{parameter} is not valid Unicode: character {i} is half a surrogate pair (U+{(int)text[i]:X4}).", parameter);
        }
    }
}
