using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace OrtAgent.Data;

/// <summary>
/// A read-only view of a data file that refuses bytes which are not UTF-8 as they are read. <see cref="Utf8FileCheck"/>
/// scans the file when it is opened, but a file enumerated again (a split makes several passes) may have been
/// rewritten since, and the readers would decode its bytes to U+FFFD silently; this checks every pass at the cost of
/// one validation of the bytes, with no second read of the file unless they are wrong.
/// </summary>
internal sealed class Utf8CheckingStream(Stream file, string path) : Stream
{
    // A character split by the end of one read is checked with the start of the next.
    private readonly byte[] _split = new byte[4];
    private int _splitCount;
    private bool _started;
    private bool _wide;

    /// <summary>Opens a data file for one pass of a reader.</summary>
    /// <exception cref="UserInputException">The file cannot be opened.</exception>
    internal static Utf8CheckingStream Open(string path) => new(DataFile.OpenRead(path, bufferSize: 64 * 1024), path);

    public override int Read(Span<byte> buffer)
    {
        int read = file.Read(buffer);
        // A read asked for no bytes says nothing of the file's end.
        Check(buffer[..read], final: read == 0 && !buffer.IsEmpty);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    private void Check(ReadOnlySpan<byte> chunk, bool final)
    {
        if (!_started && !chunk.IsEmpty)
        {
            _started = true;
            // The readers decode a UTF-16 or UTF-32 file by its byte-order mark; UTF-8 rules do not apply to it.
            _wide = Utf8FileCheck.HasWideByteOrderMark(Head(chunk));
        }
        if (_wide) return;
        while (_splitCount > 0 && !chunk.IsEmpty)
        {
            _split[_splitCount++] = chunk[0];
            chunk = chunk[1..];
            OperationStatus status = Rune.DecodeFromUtf8(_split.AsSpan(0, _splitCount), out _, out _);
            if (status == OperationStatus.InvalidData) throw NotUtf8();
            if (status == OperationStatus.Done) _splitCount = 0;
        }
        if (_splitCount > 0)
        {
            if (final) throw NotUtf8();
            return;
        }
        int tail = IncompleteTail(chunk);
        if (!Utf8.IsValid(chunk[..^tail]) || (final && tail > 0)) throw NotUtf8();
        chunk[^tail..].CopyTo(_split);
        _splitCount = tail;
    }

    // The file's first bytes, up to a byte-order mark's 4, whatever the first read returned (a reader may ask for one
    // byte); a stream that cannot seek is judged by its first read.
    private ReadOnlySpan<byte> Head(ReadOnlySpan<byte> firstRead)
    {
        if (!file.CanSeek || firstRead.Length >= 4) return firstRead;
        long after = file.Position;
        var head = new byte[4];
        int count = 0, read;
        file.Position = 0;
        while (count < head.Length && (read = file.Read(head, count, head.Length - count)) > 0) count += read;
        file.Position = after;
        return head.AsSpan(0, count);
    }

    // How many bytes at the end begin a character that continues past them.
    private static int IncompleteTail(ReadOnlySpan<byte> chunk)
    {
        for (int back = 1; back <= Math.Min(3, chunk.Length); back++)
        {
            byte b = chunk[^back];
            if ((b & 0xC0) == 0x80) continue;
            int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? back : 0;
        }
        return 0;
    }

    // The scan names the line and the byte, as when the file was opened; the file on disk is the one being read.
    private UserInputException NotUtf8()
    {
        Utf8FileCheck.RequireUtf8(path);
        return new UserInputException($"{path}: holds bytes that are not UTF-8, and changed while it was read; save it as UTF-8");
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }
}
