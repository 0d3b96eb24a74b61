using System.Security.Cryptography;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// The SHA-256 of a <c>model.onnx</c>'s bytes, as <c>explain.onnx</c> records it (<see cref="ExplainGraphNames.ModelDigestMetadata"/>)
/// and the classifier compares it: the graph's inputs and label count cannot tell two models of the same shape apart
/// (a model copied over another one's <c>model.onnx</c>), its content can. A model saved with external data keeps its
/// weights in another file (<c>model.onnx.data</c>), so <see cref="OfModel(string)"/> digests those files too.
/// </summary>
internal static class ModelDigest
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// The digest of the model at <paramref name="modelPath"/> as ONNX Runtime loads it: <c>model.onnx</c>'s bytes, then
    /// the bytes of each external data file it names (<see cref="ExternalDataFiles"/>), in the order it names them. Of a
    /// model that keeps its weights inline it is the SHA-256 of its file, so an <c>explain.onnx</c> recorded before
    /// external data was digested still matches; of one with external data, a weight edited in the data file changes it,
    /// where <c>model.onnx</c> alone (names, shapes and offsets) stays the same.
    /// </summary>
    /// <exception cref="UserInputException">An external data file the model names is missing, or is no regular file (a FIFO).</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file cannot be read.</exception>
    public static string OfModel(string modelPath)
    {
        using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendStream(hash, stream);
        return Finish(hash, ExternalDataFiles.Of(stream), modelPath);
    }

    /// <summary>
    /// <see cref="OfModel(string)"/> of <paramref name="modelBytes"/>, read from <paramref name="modelPath"/>, whose
    /// directory holds the external data files it names: for a caller that has read the model once already.
    /// </summary>
    /// <exception cref="UserInputException">An external data file the model names is missing, or is no regular file (a FIFO).</exception>
    /// <exception cref="IOException">An external data file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">An external data file cannot be read.</exception>
    public static string OfModel(byte[] modelBytes, string modelPath)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(modelBytes);
        using var model = new MemoryStream(modelBytes, writable: false);
        return Finish(hash, ExternalDataFiles.Of(model), modelPath);
    }

    private static string Finish(IncrementalHash hash, IReadOnlyList<string> externalFiles, string modelPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        foreach (var location in externalFiles)
        {
            var path = Path.GetFullPath(Path.Combine(directory, location));
            // A copy of model.onnx without its data file is a user's mistake, not an I/O fault: name what to bring along,
            // and where, since a location may name a subfolder.
            if (Directory.Exists(path))
                throw new UserInputException($"{modelPath}: keeps its weights in the external data file '{location}', but {path} is a folder; put that file there in its place");
            if (!File.Exists(path))
                throw new UserInputException($"{modelPath}: keeps its weights in the external data file '{location}', which is missing at {path}; copy it there with the model");
            ModelFolderFile.RequireRegularFile(path);
            using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
            AppendStream(hash, data);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendStream(IncrementalHash hash, Stream stream)
    {
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
    }

    /// <summary>The first characters of <paramref name="digest"/>, enough to tell two models apart in a message.</summary>
    public static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
