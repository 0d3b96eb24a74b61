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
}
