using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrtAgent.Training.BaseModels;

/// <summary>
/// The <c>descriptor.json</c> written beside a pulled base model: where it came from, the SHA-256 of its two files
/// (so a later pull can tell an intact copy from a damaged one) and its <see cref="BaseModelArchitecture"/> facts.
/// </summary>
public sealed record BaseModelDescriptor
{
    /// <summary>File name of the descriptor inside a base-model directory.</summary>
    public const string FileName = "descriptor.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Short name the model is known by (<c>minilm</c>), or the directory name for a model the user supplied.</summary>
    public required string Name { get; init; }

    /// <summary>NuGet package the files were extracted from; null for a model the user supplied.</summary>
    public string? SourcePackage { get; init; }

    /// <summary>Version of <see cref="SourcePackage"/>.</summary>
    public string? SourceVersion { get; init; }

    /// <summary>Lower-case hex SHA-256 of <c>model.onnx</c>.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>Lower-case hex SHA-256 of <c>vocab.txt</c>.</summary>
    public required string VocabSha256 { get; init; }

    public required int Layers { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required int IntermediateSize { get; init; }

    public required int VocabSize { get; init; }

    public required bool LowerCase { get; init; }

    public required int MaxPositions { get; init; }

    public required IReadOnlyList<string> InputNames { get; init; }

    public required string OutputName { get; init; }

    public required long Opset { get; init; }

    public required bool HasPooler { get; init; }

    /// <summary>Combines provenance and checksums with the inspected architecture.</summary>
    public static BaseModelDescriptor Create(string name, string? sourcePackage, string? sourceVersion,
        string modelSha256, string vocabSha256, BaseModelArchitecture architecture) => new()
    {
        Name = name,
        SourcePackage = sourcePackage,
        SourceVersion = sourceVersion,
        ModelSha256 = modelSha256,
        VocabSha256 = vocabSha256,
        Layers = architecture.Layers,
        HiddenSize = architecture.HiddenSize,
        Heads = architecture.Heads,
        IntermediateSize = architecture.IntermediateSize,
        VocabSize = architecture.VocabSize,
        LowerCase = architecture.LowerCase,
        MaxPositions = architecture.MaxPositions,
        InputNames = architecture.InputNames,
        OutputName = architecture.OutputName,
        Opset = architecture.Opset,
        HasPooler = architecture.HasPooler,
    };

    /// <summary>Reads a descriptor file.</summary>
    /// <exception cref="UserInputException">The file is missing or is not a valid descriptor.</exception>
    public static BaseModelDescriptor Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<BaseModelDescriptor>(stream, JsonOptions)
                ?? throw new UserInputException($"Base-model descriptor '{path}' is empty.");
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"Cannot read base-model descriptor '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Writes the descriptor as indented JSON, replacing any existing file.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, JsonOptions) + Environment.NewLine);
        File.Move(temp, path, overwrite: true);
    }
}
