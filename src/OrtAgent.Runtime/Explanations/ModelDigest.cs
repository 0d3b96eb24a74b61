using System.Security.Cryptography;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// The SHA-256 of a <c>model.onnx</c>'s bytes, as <c>explain.onnx</c> records it (<see cref="ExplainGraphNames.ModelDigestMetadata"/>)
/// and the classifier compares it: the graph's inputs and label count cannot tell two models of the same shape apart
/// (a model copied over another one's <c>model.onnx</c>), its content can.
/// </summary>
internal static class ModelDigest
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="path"/>, read as a stream.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The first characters of <paramref name="digest"/>, enough to tell two models apart in a message.</summary>
    public static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
