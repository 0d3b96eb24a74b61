using System.Buffers;
using System.Text;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Watches an upload's bytes as they are written, for a file that is not text at all or holds no example. Not text: bytes
/// that are not UTF-8, or a NUL byte (random bytes, a binary or UTF-16 file), which was kept as <c>processed</c> and
/// refused only when a job named it; said at the first such byte, by its offset and line, as the upload streams. No
/// example: nothing but whitespace (blank lines), perhaps after a UTF-8 byte-order mark, or, for a CSV or TSV file,
/// nothing but its header line. Such a file was kept and refused only when a job named it, while a 0-byte file was
/// refused at once.
/// This is no parse (the upload reads no rows; a job's creation does): it counts the lines that hold a byte other than
/// ASCII whitespace, never fewer than the lines the readers find text on, so a file it passes may still be refused when
/// a job reads it, but none it refuses would have trained.
/// </summary>
internal sealed class UploadContentScan
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private long _position;
    private int _byteOrderMarkBytes;
    private bool _lineHasText;

    // Lines holding text, counted to 2: enough to tell none, a header alone, and more.
    private int _linesWithText;

    // The text check: the bytes checked so far, the line breaks among them, and the start of a UTF-8 character that a
    // read ended inside (its bytes, up to 3, wait for the next read).
    private long _checkedBytes;
    private long _lineBreaks;
    private readonly byte[] _split = new byte[4];
    private int _splitBytes;
    private long _splitAt;
    private (long Offset, long Line, string What)? _notText;

    /// <summary>Takes the next bytes of the upload.</summary>
    public void Read(ReadOnlySpan<byte> bytes)
    {
        CheckText(bytes);
        CountLinesWithText(bytes);
    }

    private void CountLinesWithText(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (_linesWithText >= 2) return;
            long at = _position++;
            if (at < ByteOrderMark.Length && _byteOrderMarkBytes == at)
            {
                if (b == ByteOrderMark[(int)at])
                {
                    _byteOrderMarkBytes++;
                    continue;
                }
                // The start of a mark and then something else: those bytes are text (invalid UTF-8, which the text check refuses).
                if (at > 0) _lineHasText = true;
            }
            if (b is (byte)'\n' or (byte)'\r')
            {
                if (_lineHasText) _linesWithText++;
                _lineHasText = false;
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\f' or (byte)'\v')) _lineHasText = true;
        }
    }

    /// <summary>
    /// Checks that the bytes continue UTF-8 text without NUL, a character split across two reads included; the first byte
    /// that does not is recorded with its offset and line.
    /// </summary>
    private void CheckText(ReadOnlySpan<byte> bytes)
    {
        if (_notText is not null) return;
        // Most reads are whole characters of text: checked at vector speed.
        if (_splitBytes == 0 && !bytes.Contains((byte)0) && System.Text.Unicode.Utf8.IsValid(bytes))
        {
            Checked(bytes);
            return;
        }
        int i = 0;
        while (_splitBytes > 0 && i < bytes.Length)
        {
            _split[_splitBytes++] = bytes[i++];
            var status = Rune.DecodeFromUtf8(_split.AsSpan(0, _splitBytes), out _, out int used);
            if (status == OperationStatus.NeedMoreData) continue;
            if (status != OperationStatus.Done)
            {
                NotText(_splitAt, Invalid(_split.AsSpan(0, Math.Max(used, 1))));
                return;
            }
            _splitBytes = 0;
        }
        _checkedBytes += i;
        var rest = bytes[i..];
        while (rest.Length > 0)
        {
            int special = rest.IndexOfAnyExceptInRange((byte)0x01, (byte)0x7F);
            if (special < 0)
            {
                Checked(rest);
                return;
            }
            Checked(rest[..special]);
            rest = rest[special..];
            if (rest[0] == 0)
            {
                NotText(_checkedBytes, "a NUL byte");
                return;
            }
            var status = Rune.DecodeFromUtf8(rest, out _, out int consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                // The read ended inside a character: the next read completes it, or shows it was none.
                rest.CopyTo(_split);
                _splitBytes = rest.Length;
                _splitAt = _checkedBytes;
                _checkedBytes += rest.Length;
                return;
            }
            if (status != OperationStatus.Done)
            {
                NotText(_checkedBytes, Invalid(rest[..Math.Max(consumed, 1)]));
                return;
            }
            Checked(rest[..consumed]);
            rest = rest[consumed..];
        }
    }

    private void Checked(ReadOnlySpan<byte> text)
    {
        _checkedBytes += text.Length;
        _lineBreaks += text.Count((byte)'\n');
    }

    private void NotText(long offset, string what) => _notText = (offset, _lineBreaks + 1, what);

    private static string Invalid(ReadOnlySpan<byte> bytes) => $"{Hex(bytes)} {(bytes.Length == 1 ? "is" : "are")} not a UTF-8 character";

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => $"0x{b:X2}"));

    /// <summary>
    /// Why the upload so far is not UTF-8 text, naming the first byte that is not (its 0-based offset in the file and its
    /// line), or null when it may be; <paramref name="ended"/>: the upload is complete, so a character it ends inside is none.
    /// </summary>
    public string? NotTextProblem(string filename, bool ended)
    {
        if (ended && _notText is null && _splitBytes > 0)
            NotText(_splitAt, $"{Hex(_split.AsSpan(0, _splitBytes))} begin a UTF-8 character that the file ends inside");
        if (_notText is not { } at) return null;
        return $"'{filename}' is not UTF-8 text: at byte offset {at.Offset} (line {at.Line}), {at.What}; "
            + "a fine-tuning file is UTF-8 text (chat JSONL, CSV or TSV): save it as UTF-8, not as a binary, UTF-16 or other-encoded file";
    }

    /// <summary>
    /// Why the upload holds no example, or null when it may. <paramref name="delimited"/>: a CSV or TSV file, whose first
    /// line is its header.
    /// </summary>
    public string? Problem(string filename, bool delimited)
    {
        int lines = _linesWithText + (_lineHasText ? 1 : 0);
        bool onlyAMark = _position == ByteOrderMark.Length && _byteOrderMarkBytes == ByteOrderMark.Length;
        if (lines == 0)
            return $"'{filename}' holds no text, only {(onlyAMark ? "a byte-order mark" : _byteOrderMarkBytes == ByteOrderMark.Length ? "a byte-order mark and blank lines or spaces" : "blank lines or spaces")}; "
                + "a fine-tuning file holds one example per line (chat JSONL), or a header and one per row (CSV, TSV)";
        if (delimited && lines == 1)
            return $"'{filename}' holds only its header line and no rows; a CSV or TSV file holds a header and one example per row";
        return null;
    }
}
