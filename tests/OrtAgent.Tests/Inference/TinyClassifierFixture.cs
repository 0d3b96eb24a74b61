using OrtAgent.Onnx;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// A real exported classifier made in seconds: a tiny BERT base (hidden 64, so int8 quantization has MatMuls to
/// rewrite), its training artifacts with labels neg/neu/pos, and the untrained checkpoint exported once in fp32 and
/// once in int8. The head weights are scaled up so that predictions differ between texts instead of hovering at 1/3.
/// Its predictions are untrained but real and deterministic.
/// </summary>
public sealed class TinyClassifierFixture : IDisposable
{
    private readonly TempDirectory _root = new();

    public static readonly string[] Labels = ["neg", "neu", "pos"];

    /// <summary>Texts in the tiny vocabulary, with unknown words and punctuation, of different lengths.</summary>
    public static readonly string[] Texts =
    [
        "the movie was great",
        "terrible service, never again!",
        "I loved this book",
        "it was fine",
        "the food was bad and the staff were slow",
        "good",
        "would not recommend, a waste of money",
        "excellent quality for the price, fast delivery",
        "boring film",
        "the room was nice but the night was late",
        "zebra quixotic", // unknown words
        "I hate it. I hate it. I hate it.",
    ];

    public TinyClassifierFixture()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel, new TinyBertOptions { Hidden = 64, Heads = 4, Intermediate = 128 });
        BaseModelDirectory = baseModel;
        var artifacts = TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = baseModel, NumLabels = Labels.Length, Labels = Labels }, _root.Combine("artifacts"));
        var parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors
            .Select(p => p.Key == "classifier.weight" ? new KeyValuePair<string, TensorData>(p.Key, Scale(p.Value, 200f)) : p)
            .ToList();
        var options = new ExportOptions { MaxLength = 32, LowerCase = true, BaseModelName = "tiny-bert" };
        ModelDirectory = _root.Combine("model");
        ModelExporter.Export(artifacts, parameters, options, ModelDirectory);
        Int8ModelDirectory = _root.Combine("model-int8");
        ModelExporter.Export(artifacts, parameters, new ExportOptions { MaxLength = 32, LowerCase = true, BaseModelName = "tiny-bert", QuantizeInt8 = true }, Int8ModelDirectory);
    }

    /// <summary>The plain encoder (model.onnx without OrtAgent metadata, vocab.txt).</summary>
    public string BaseModelDirectory { get; }

    public string ModelDirectory { get; }

    /// <summary>Copies the fp32 model's files into <paramref name="directory"/> (created), leaving out <paramref name="except"/>.</summary>
    public string CopyModelTo(string directory, string? except = null)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(ModelDirectory))
            if (Path.GetFileName(file) != except) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return directory;
    }

    public string Int8ModelDirectory { get; }

    public void Dispose() => _root.Dispose();

    private static TensorData Scale(TensorData tensor, float factor) =>
        TensorData.Create<float>(tensor.Dims, tensor.ToArray<float>().Select(x => x * factor).ToArray());
}

/// <summary>Test classes that share one <see cref="TinyClassifierFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TinyClassifierCollection : ICollectionFixture<TinyClassifierFixture>
{
    public const string Name = "tiny exported classifier";
}
