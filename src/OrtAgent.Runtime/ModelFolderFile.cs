namespace OrtAgent.Runtime;

/// <summary>
/// The way every file of a model's folder is read: <c>model.onnx</c>, <c>vocab.txt</c>, a Hugging Face
/// <c>config.json</c> and <c>tokenizer_config.json</c>, the model card, an adapter's files. A FIFO passes
/// <see cref="File.Exists(string)"/>, and reading one waits for a writer that may never come: a <c>config.json</c> that
/// was a named pipe hung <c>predict</c> at load with nothing said, where <c>model.onnx</c> and <c>vocab.txt</c> were
/// already refused. Here each is refused in one line naming it, before it is opened.
/// </summary>
internal static class ModelFolderFile
{
    /// <summary>Refuses <paramref name="path"/> when it exists and is not a regular file (links followed); nothing there passes.</summary>
    /// <exception cref="ModelLoadException">It is a directory, a FIFO, a device or a socket.</exception>
    internal static void RequireRegularFile(string path)
    {
        if (Refusal(path) is { } refusal) throw new ModelLoadException(refusal);
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as a model's file (<c>PATH: is not a regular file (a FIFO); a model's
    /// explain.onnx is a file</c>), for a caller that refuses it with its own exception; null for a regular file or nothing there.
    /// </summary>
    internal static string? Refusal(string path) =>
        RegularFile.OtherKind(path) is { } other ? $"{path}: {other}; a model's {Path.GetFileName(path)} is a file" : null;

    /// <summary>The bytes of <paramref name="path"/> once <see cref="RequireRegularFile"/> has passed it.</summary>
    /// <exception cref="ModelLoadException">It is not a regular file.</exception>
    /// <exception cref="IOException">It cannot be read, which the caller words.</exception>
    internal static byte[] ReadAllBytes(string path)
    {
        RequireRegularFile(path);
        return File.ReadAllBytes(path);
    }

    /// <summary>The text of <paramref name="path"/> once <see cref="RequireRegularFile"/> has passed it.</summary>
    /// <inheritdoc cref="ReadAllBytes" path="/exception"/>
    internal static string ReadAllText(string path)
    {
        RequireRegularFile(path);
        return File.ReadAllText(path);
    }
}
