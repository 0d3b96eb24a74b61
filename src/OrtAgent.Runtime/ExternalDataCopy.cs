using Microsoft.ML.OnnxRuntime;

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

        var copy = CreateCopyFolder(modelPath, locations);
        try
        {
            foreach (var location in locations)
            {
                var destination = Path.Combine(copy.FullName, location);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(Path.Combine(modelDirectory, location), destination);
            }
            options.AddSessionConfigEntry(FolderKey, copy.FullName);
            return new InferenceSession(modelPath, options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{modelPath}: its weights ({string.Join(", ", locations)}) cannot be copied to {copy.FullName} "
                + $"to be served from a copy that later writes to them cannot reach: {ex.Message}", ex);
        }
        finally
        {
            // The session's mappings hold the copies' bytes; their names are no longer needed.
            copy.Delete(recursive: true);
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
