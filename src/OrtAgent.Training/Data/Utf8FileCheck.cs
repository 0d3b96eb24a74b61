using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace OrtAgent.Data;

/// <summary>
/// Refuses a data file whose bytes are not UTF-8, naming the first line that holds such bytes. The readers decode
/// with replacement, so a file saved as Windows-1252 or Latin-1 would otherwise train on <c>caf\uFFFD</c> for every
/// accented word, silently. The check is on the bytes rather than the characters: a U+FFFD written in valid UTF-8
/// is ordinary text (six SpamAssassin training mails hold one) and passes.
/// </summary>
internal static class Utf8FileCheck
{
    private const int ChunkBytes = 1 << 20;
    private const int ContextChars = 24;

    /// <summary>Scans the whole file once, in chunks, before any of it is read as text.</summary>
    /// <exception cref="UserInputException">The file cannot be read, or holds bytes that are not UTF-8.</exception>
    internal static void RequireUtf8(string path)
    {
        using FileStream stream = Open(path);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(ChunkBytes + 4);
        char[] chars = ArrayPool<char>.Shared.Rent(ChunkBytes + 4);
        try
        {
            int carried = 0;
            long line = 1;
            bool first = true;
            while (true)
            {
                int read = Read(stream, bytes.AsSpan(carried, ChunkBytes), path);
                int length = carried + read;
                ReadOnlySpan<byte> chunk = bytes.AsSpan(0, length);
                // The readers decode a UTF-16 or UTF-32 file by its byte-order mark; UTF-8 rules do not apply to it.
                if (first && HasWideByteOrderMark(chunk))
                {
                    return;
                }
                // NUL is valid UTF-8, so such a file would pass and be read as text with a NUL after every letter.
                if (first && LooksLikeUnmarkedUtf16(chunk))
                {
                    throw new UserInputException(
                        $"{path} looks like UTF-16 text without a byte-order mark (every other byte is NUL); save it as UTF-8, or as UTF-16 with a byte-order mark");
                }
                first = false;
                // ReadAtLeast fills the span unless the file ends first.
                bool final = read < ChunkBytes;
                OperationStatus status = Utf8.ToUtf16(
                    chunk, chars, out int valid, out _, replaceInvalidSequences: false, isFinalBlock: final);
                ReadOnlySpan<byte> decoded = chunk[..valid];
                if (status == OperationStatus.InvalidData)
                {
                    throw Invalid(path, line + decoded.Count((byte)'\n'), decoded, chunk[valid], LooksBinary(chunk));
                }
                if (final)
                {
                    return;
                }
                line += decoded.Count((byte)'\n');
                // A character split by the chunk's end is decoded with the next chunk.
                carried = length - valid;
                chunk[valid..].CopyTo(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    // ASCII text in UTF-16: a NUL in every other byte of the file's start, and none in the bytes between.
    private static bool LooksLikeUnmarkedUtf16(ReadOnlySpan<byte> start)
    {
        int pairs = Math.Min(start.Length, 512) / 2;
        if (pairs < 2) return false;
        int nulEven = 0, nulOdd = 0;
        for (int i = 0; i < pairs; i++)
        {
            if (start[2 * i] == 0) nulEven++;
            if (start[2 * i + 1] == 0) nulOdd++;
        }
        return (nulOdd * 2 >= pairs && nulEven == 0) || (nulEven * 2 >= pairs && nulOdd == 0);
    }

    private static UserInputException Invalid(string path, long line, ReadOnlySpan<byte> before, byte offending, bool binary)
    {
        if (binary)
        {
            return new UserInputException(
                $"{path} is not a text file (it holds NUL bytes, and byte 0x{offending:X2} on line {line} is not UTF-8); " +
                "expected CSV, TSV or JSON Lines text, so save a spreadsheet as CSV first");
        }
        ReadOnlySpan<byte> lineSoFar = before[(before.LastIndexOf((byte)'\n') + 1)..];
        string context = PrintableText.Escape(Encoding.UTF8.GetString(lineSoFar).TrimStart());
        if (context.Length > ContextChars)
        {
            context = "…" + context[^ContextChars..];
        }
        string where = context.Length == 0 ? "" : $" after \"{context}\"";
        return new UserInputException(
            $"{path} line {line}: byte 0x{offending:X2}{where} is not UTF-8; the file looks saved in another encoding, " +
            "such as Windows-1252 (Latin-1): save it as UTF-8");
    }

    // Text files hold no NUL; images, archives and workbooks do, near their start.
    private static bool LooksBinary(ReadOnlySpan<byte> chunk) => chunk[..Math.Min(chunk.Length, 8192)].Contains((byte)0);

    internal static bool HasWideByteOrderMark(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
        || start.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]);

    private static FileStream Open(string path) => DataFile.OpenRead(path, bufferSize: 1);

    private static int Read(FileStream stream, Span<byte> into, string path)
    {
        try
        {
            return stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        }
        catch (IOException ex)
        {
            throw new UserInputException($"{path}: cannot read the file: {ex.Message}", ex);
        }
    }
}
