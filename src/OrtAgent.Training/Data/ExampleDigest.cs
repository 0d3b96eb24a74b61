using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrtAgent.Data;

namespace OrtAgent.Training.Data;

/// <summary>
/// A SHA-256 over labelled examples, fed one at a time in their order (a data file streams through it): each text and
/// label as UTF-8, each prefixed by its length so that no two example lists hash alike by moving a boundary. It
/// identifies the examples themselves, not the file they came from: a file rewritten with the same rows in another
/// format (CSV to JSONL, other quoting) digests alike.
/// </summary>
/// <remarks>
/// The digest holds a native hash state: whoever creates it disposes it once done adding (a <c>using</c>), which
/// <see cref="Hex"/> does not do, so a digest may be read and then fed more. <see cref="Of"/> creates and disposes its own.
/// Adding to or reading a disposed digest throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class ExampleDigest : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>How many examples were added.</summary>
    public int Count { get; private set; }

    /// <summary>Adds the next example.</summary>
    /// <param name="text">Its text, as read.</param>
    /// <param name="label">Its label's name, as read.</param>
    public void Add(string text, string label)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(label);
        Append(text);
        Append(label);
        Count++;
    }

    /// <summary>The digest of the examples added so far, in lower-case hex; adding more goes on from them.</summary>
    public string Hex()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The digest of <paramref name="examples"/>, in lower-case hex.</summary>
    public static string Of(IEnumerable<LabeledExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        using var digest = new ExampleDigest();
        foreach (var example in examples) digest.Add(example.Text, example.Label);
        return digest.Hex();
    }

    /// <summary>Releases the hash state; calling it again does nothing.</summary>
    public void Dispose() => _hash.Dispose();

    // A data file streams millions of examples through here: each field is encoded into a pooled buffer, not a new array.
    private void Append(string value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(sizeof(int) + bytes);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, bytes);
            Encoding.UTF8.GetBytes(value, buffer.AsSpan(sizeof(int)));
            _hash.AppendData(buffer, 0, sizeof(int) + bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
