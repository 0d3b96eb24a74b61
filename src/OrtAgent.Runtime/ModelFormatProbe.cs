namespace OrtAgent.Runtime;

/// <summary>
/// Reads the <see cref="ModelContract.FormatKey"/> a model file records, before anything loads its graph. A newer
/// OrtAgent's model may hold what this build, or the ONNX Runtime it carries, cannot load (a newer opset, an op it
/// lacks, an element type it does not know): the format says why in the user's terms, where the load's own failure
/// would not. Only the top-level <c>metadata_props</c> are read (<see cref="ProtobufFields"/>); the graph, weights and
/// all, is stepped over, so a model of any size costs a few small reads.
/// </summary>
internal static class ModelFormatProbe
{
    // ModelProto.metadata_props, StringStringEntryProto.key and .value.
    private const int MetadataPropsField = 14, KeyField = 1, ValueField = 2;

    /// <summary>
    /// Refuses the model at <paramref name="modelPath"/> when it records a format this build does not read, as
    /// <see cref="ModelContract.ReadInfo"/> would once the model had loaded.
    /// </summary>
    /// <exception cref="ModelLoadException">The model records a newer format, or a format that is no version; or it is a FIFO, a device or a directory (<see cref="ModelFolderFile"/>).</exception>
    public static void RefuseAnotherFormat(string modelPath)
    {
        // The first read of model.onnx for every loader (predict, --init-from, --teacher): a FIFO would hold it here.
        ModelFolderFile.RequireRegularFile(modelPath);
        ModelContract.RefuseAnotherFormat(Read(modelPath), modelPath);
    }

    /// <summary>
    /// The value of <see cref="ModelContract.FormatKey"/> in the model file (the last entry, as ONNX Runtime and
    /// OrtAgent.Onnx keep a repeated key's last value); null when it records none, or the file cannot be read as a
    /// model, which whoever loads it words.
    /// </summary>
    public static string? Read(string modelPath)
    {
        try
        {
            using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            string? format = null;
            ProtobufFields.ForEach(stream, stream.Length, (field, end) =>
            {
                if (field != MetadataPropsField) return;
                string key = "", value = "";
                ProtobufFields.ForEach(stream, end, (entryField, entryEnd) =>
                {
                    if (entryField == KeyField) key = ProtobufFields.ReadString(stream, entryEnd);
                    else if (entryField == ValueField) value = ProtobufFields.ReadString(stream, entryEnd);
                });
                if (key == ModelContract.FormatKey) format = value;
            });
            return format;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or OverflowException)
        {
            return null;
        }
    }
}
