namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Watches an upload's bytes as they are written, for a file that holds no example at all: nothing but whitespace
/// (blank lines), perhaps after a UTF-8 byte-order mark, or, for a CSV or TSV file, nothing but its header line. Such a
/// file was kept as <c>processed</c> and refused only when a job named it, while a 0-byte file was refused at once.
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

    /// <summary>Takes the next bytes of the upload.</summary>
    public void Read(ReadOnlySpan<byte> bytes)
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
                // The start of a mark and then something else: those bytes are text (invalid UTF-8, which a job refuses).
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
