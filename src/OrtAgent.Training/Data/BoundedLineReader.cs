using System.Text;

namespace OrtAgent.Data;

/// <summary>
/// Reads lines as <see cref="TextReader.ReadLine"/> does (a line ends at <c>\n</c>, <c>\r\n</c> or <c>\r</c>) but
/// refuses one longer than a limit instead of reading it whole into memory: a JSON document saved on one line and
/// named <c>.jsonl</c> can be gigabytes, and the CSV reader has the same bound.
/// </summary>
internal sealed class BoundedLineReader(TextReader reader, int maxChars)
{
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;

    /// <summary>The next line without its ending, or null at the end of the text.</summary>
    /// <exception cref="LineTooLongException">The line has more characters than the reader's limit.</exception>
    public string? ReadLine()
    {
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_start == _end && !Fill())
            {
                return any ? _line.ToString() : null;
            }
            any = true;
            var pending = _buffer.AsSpan(_start, _end - _start);
            int end = pending.IndexOfAny('\n', '\r');
            if (end < 0)
            {
                Append(pending);
                _start = _end;
                continue;
            }
            Append(pending[..end]);
            _start += end + 1;
            if (pending[end] == '\r' && (_start < _end || Fill()) && _buffer[_start] == '\n')
            {
                _start++;
            }
            return _line.ToString();
        }
    }

    private bool Fill()
    {
        _start = 0;
        _end = reader.Read(_buffer, 0, _buffer.Length);
        return _end > 0;
    }

    private void Append(ReadOnlySpan<char> part)
    {
        if (_line.Length + part.Length > maxChars) throw new LineTooLongException();
        _line.Append(part);
    }
}

/// <summary>A line longer than a <see cref="BoundedLineReader"/>'s limit; the caller knows which file and line to name.</summary>
internal sealed class LineTooLongException : Exception;
