namespace OrtAgent.Onnx;

/// <summary>How <see cref="OnnxModel.Save"/> lays tensors out on disk.</summary>
public sealed class ModelSaveOptions
{
    /// <summary>Protobuf messages cannot exceed 2 GB; above this many initializer bytes, external data is chosen automatically.</summary>
    public const long InlineLimitBytes = 1_800_000_000;

    /// <summary>True to write large tensors to an external-data file, false to keep all inline, null to decide by size.</summary>
    public bool? ExternalData { get; init; }

    /// <summary>File name (beside the model) for external data; defaults to the model's file name plus <c>.data</c>.</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>
    /// Where the model file is written before it is renamed into place; <c>PATH.tmp</c> when null. A caller writing into
    /// a live directory names one its sweep recognises (with the writer's process id), so a killed save leaves nothing
    /// that blocks later writers.
    /// </summary>
    public string? TemporaryPath { get; init; }

    /// <summary>Tensors smaller than this stay inline even when external data is on.</summary>
    public long ExternalDataThresholdBytes { get; init; } = 1024;

    /// <summary>
    /// A metadata key under which the saved model records the SHA-256 (lower-case hex) of the external data file written
    /// with it, so that a reader can tell that file from another of the same size (another model's, copied over it):
    /// the model file holds only names, shapes and offsets, which two models of the same shape share. Saved inline, the
    /// model does not carry the key, whatever <see cref="OnnxModel.Metadata"/> holds (a record of a data file it does not
    /// have). Null (the default): the metadata is saved as it is.
    /// </summary>
    public string? ExternalDataDigestKey { get; init; }
}
