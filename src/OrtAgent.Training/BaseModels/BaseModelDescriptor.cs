using System.Text.Json;
using System.Text.Json.Serialization;
using OrtAgent.Runtime;

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

    /// <summary>Number of transformer layers (<see cref="BaseModelArchitecture.Layers"/>).</summary>
    public required int Layers { get; init; }

    /// <summary>Width of the hidden state (<see cref="BaseModelArchitecture.HiddenSize"/>).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of attention heads (<see cref="BaseModelArchitecture.Heads"/>).</summary>
    public required int Heads { get; init; }

    /// <summary>Width of the feed-forward layer (<see cref="BaseModelArchitecture.IntermediateSize"/>).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Rows of the word-embedding table: every token id must be below it.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Whether text must be lower-cased before tokenizing (the vocabulary has no upper-case tokens).</summary>
    public required bool LowerCase { get; init; }

    /// <summary>Rows of the position-embedding table: the longest token sequence the model accepts.</summary>
    public required int MaxPositions { get; init; }

    /// <summary>The encoder graph's input names, in order.</summary>
    public required IReadOnlyList<string> InputNames { get; init; }

    /// <summary>The encoder output carrying per-token hidden states.</summary>
    public required string OutputName { get; init; }

    /// <summary>The default ONNX opset the encoder graph imports.</summary>
    public required long Opset { get; init; }

    /// <summary>Whether the encoder carries the BERT pooler, which <see cref="Heads.PoolingMode.Pooler"/> needs.</summary>
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
                ?? throw new UserInputException($"base model descriptor '{path}' is empty");
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"base model descriptor '{path}': not valid JSON: {JsonParseProblem.Describe(ex)}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"base model descriptor '{path}': cannot read it: {ex.Message}", ex);
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
