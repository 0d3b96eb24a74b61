using System.Buffers;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Runtime;

/// <summary>
/// Opens a session on a model whose weights live in external data files (<c>model.onnx.data</c>) from private copies of
/// those files. ONNX Runtime maps an external data file into memory rather than reading it, and keeps serving from the
/// mapping: a file rewritten in place under a loaded model (<c>cp new/model.onnx.data served/</c>) changed its scores
/// with no reload (the old graph on the new weights), and one truncated (what a writer opening it does first) killed the
/// process with SIGBUS on its next run. The copies are made in the temporary directory and removed once the session is
/// created; its mappings keep their bytes until it is disposed, and nothing else can reach them. A process killed between
/// the two leaves its copies behind, which the next copy, by any process, removes (<see cref="WeightCopyFolders"/>).
/// </summary>
/// <remarks>
/// Not on Windows, where a mapped file cannot be removed, and cannot be written or truncated either: the writer is refused
/// instead. A model that keeps its weights inline, or that names a data file that is missing, is opened as it is (ONNX
/// Runtime words the missing file).
/// </remarks>
internal static class ExternalDataCopy
{
    // ONNX Runtime's session option (onnxruntime_session_options_config_keys.h) that resolves external data files in
    // this folder instead of the model's own; it applies to a model loaded by path too.
    private const string FolderKey = "session.model_external_initializers_file_folder_path";

    /// <summary>
    /// Creates the session on <paramref name="modelPath"/> with <paramref name="options"/>, which this may add an entry
    /// to: the options are the caller's to dispose, and made for this one session.
    /// </summary>
    /// <param name="modelPath">The model.</param>
    /// <param name="options">The session's options.</param>
    /// <param name="externalDataLocations">The data files the model names, where the caller has read them already
    /// (<see cref="ModelFileStamp.ExternalDataLocations"/>); null to read them here.</param>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the model.</exception>
    /// <exception cref="ModelLoadException">The external data files cannot be copied (the temporary directory missing, a
    /// file, full or unwritable), or one is not a regular file (a FIFO, a directory).</exception>
    public static InferenceSession CreateSession(string modelPath, SessionOptions options, IReadOnlyList<string>? externalDataLocations = null)
    {
        var modelDirectory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var locations = OperatingSystem.IsWindows() ? [] : externalDataLocations ?? LocationsIn(modelPath);
        // Before File.Exists, which a FIFO passes, and the copy, which would wait on it for a writer.
        ExternalDataFiles.RequireRegularFiles(modelPath, locations);
        if (locations.Count == 0 || locations.Any(location => !File.Exists(Path.Combine(modelDirectory, location))))
            return new InferenceSession(modelPath, options);
        return CreateFromCopies(modelPath, locations, options,
            (location, destination) => File.Copy(Path.Combine(modelDirectory, location), destination), () => new InferenceSession(modelPath, options));
    }

    /// <summary>
    /// As <see cref="CreateSession(string, SessionOptions, IReadOnlyList{string}?)"/>, also giving the SHA-256 (lower-case
    /// hex) of the external data files' bytes as the session reads them, those of its copies, in the order the model names
    /// them (<paramref name="digestOfData"/>): what a record of them is compared with. Null for a model that keeps
    /// its weights inline, or names a data file that is missing (ONNX Runtime's load words that). On Windows the files are
    /// opened in place, as there, and hashed where they are once the session has opened them.
    /// </summary>
    /// <inheritdoc cref="CreateSession(string, SessionOptions, IReadOnlyList{string}?)" path="/exception"/>
    public static InferenceSession CreateSession(string modelPath, SessionOptions options, out ExternalDataDigest? digestOfData)
    {
        digestOfData = null;
        var modelDirectory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var locations = LocationsIn(modelPath);
        ExternalDataFiles.RequireRegularFiles(modelPath, locations);
        if (locations.Count == 0 || locations.Any(location => !File.Exists(Path.Combine(modelDirectory, location))))
            return new InferenceSession(modelPath, options);
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        InferenceSession session;
        if (OperatingSystem.IsWindows())
        {
            session = new InferenceSession(modelPath, options);
            try
            {
                foreach (var location in locations)
                {
                    using var source = File.OpenHandle(Path.Combine(modelDirectory, location));
                    HashAndCopy(source, digest, copyTo: null);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                session.Dispose();
                throw new ModelLoadException($"{modelPath}: its weights ({string.Join(", ", locations)}) cannot be read to check them: {ex.Message}", ex);
            }
        }
        else
        {
            session = CreateFromCopies(modelPath, locations, options, (location, destination) =>
            {
                using var source = File.OpenHandle(Path.Combine(modelDirectory, location));
                HashAndCopy(source, digest, destination);
            }, () => new InferenceSession(modelPath, options));
        }
        digestOfData = new ExternalDataDigest(locations, Convert.ToHexStringLower(digest.GetHashAndReset()));
        return session;
    }

    /// <summary>
    /// Creates a session on the model held in <paramref name="model"/>, read from <paramref name="modelPath"/>, whose
    /// external data files are the ones <paramref name="externalData"/> holds open (by the locations the model names
    /// them by), copied from those handles, not from the paths, which may name other files by now. Gives the SHA-256 of
    /// the copies' bytes as <see cref="CreateSession(string, SessionOptions, out ExternalDataDigest?)"/> does
    /// (<paramref name="digestOfData"/>; null, and no copy, when <paramref name="externalData"/> is empty). Not on Windows, where the files are opened in place.
    /// </summary>
    /// <inheritdoc cref="CreateSession(string, SessionOptions, IReadOnlyList{string}?)" path="/exception"/>
    public static InferenceSession CreateSession(byte[] model, string modelPath, IReadOnlyList<(string Location, SafeFileHandle Source)> externalData,
        SessionOptions options, out ExternalDataDigest? digestOfData)
    {
        digestOfData = null;
        if (externalData.Count == 0) return new InferenceSession(model, options);
        var sources = externalData.ToDictionary(file => file.Location, file => file.Source, StringComparer.Ordinal);
        var locations = externalData.Select(file => file.Location).ToList();
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var session = CreateFromCopies(modelPath, locations, options,
            (location, destination) => HashAndCopy(sources[location], digest, destination), () => new InferenceSession(model, options));
        digestOfData = new ExternalDataDigest(locations, Convert.ToHexStringLower(digest.GetHashAndReset()));
        return session;
    }

    /// <summary>The external data files a session was opened with, by the locations its model names them by, and the SHA-256 (lower-case hex) of their bytes, in that order.</summary>
    public sealed record ExternalDataDigest(IReadOnlyList<string> Locations, string Sha256);

    // Copies each of `locations` with `copy` (location, destination) into a new private folder, and creates the session
    // with `create` while that folder is where the options say the model's external data is.
    private static InferenceSession CreateFromCopies(string modelPath, IReadOnlyList<string> locations, SessionOptions options,
        Action<string, string> copy, Func<InferenceSession> create)
    {
        var copyFolder = CreateCopyFolder(modelPath, locations);
        try
        {
            foreach (var location in locations)
            {
                var destination = Path.Combine(copyFolder.FullName, location);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                copy(location, destination);
            }
            options.AddSessionConfigEntry(FolderKey, copyFolder.FullName);
            return create();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{modelPath}: its weights ({string.Join(", ", locations)}) cannot be copied to {copyFolder.FullName} "
                + $"to be served from a copy that later writes to them cannot reach: {ex.Message}", ex);
        }
        finally
        {
            // The session's mappings hold the copies' bytes; their names are no longer needed.
            copyFolder.Delete(recursive: true);
        }
    }

    // Adds the bytes of `source`, from its start, to `digest`, writing them to a new file at `copyTo` when one is given:
    // one read serves both, and the digest is of the bytes the copy holds.
    private static void HashAndCopy(SafeFileHandle source, IncrementalHash digest, string? copyTo)
    {
        using var copy = copyTo is null ? null : new FileStream(copyTo, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(source, buffer, offset)) > 0)
            {
                digest.AppendData(buffer, 0, read);
                copy?.Write(buffer, 0, read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The folder is the temporary directory's; one that is missing, a file or read-only (a device's read-only root) is
    // the environment's mistake, told as such rather than as .NET's exception, and never created here.
    private static DirectoryInfo CreateCopyFolder(string modelPath, IReadOnlyList<string> locations)
    {
        var temporary = Path.GetTempPath();
        string? reason = null;
        if (File.Exists(Path.TrimEndingDirectorySeparator(temporary))) reason = "it is a file, not a directory";
        else if (!Directory.Exists(temporary)) reason = "no such directory";
        else
        {
            WeightCopyFolders.SweepAbandoned(temporary);
            try
            {
                return WeightCopyFolders.Create(temporary);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                reason = ex.Message;
            }
        }
        throw new ModelLoadException($"{modelPath}: its weights ({string.Join(", ", locations)}) are served from a private copy "
            + $"in the temporary directory, {temporary}, which cannot hold one: {reason}; set TMPDIR to a writable directory");
    }

    private static IReadOnlyList<string> LocationsIn(string modelPath)
    {
        try
        {
            using var stream = File.OpenRead(modelPath);
            return ExternalDataFiles.Of(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // ONNX Runtime opens it next, and its failure is worded where every load failure is.
            return [];
        }
    }
}
