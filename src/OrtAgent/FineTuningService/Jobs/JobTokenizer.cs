using System.Collections.Concurrent;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// The tokenizer a job's training will read its texts with, made when the job is created, so that a row it makes no
/// token of (a lone accent, which an uncased vocabulary drops) is refused then, naming its file and line, and not in a
/// job that fails once it runs. Only the vocabulary is read: the encoder is the run's to load.
/// </summary>
internal static class JobTokenizer
{
    /// <summary>
    /// The tokenizer of <paramref name="model"/>, the job's <c>model</c>: for a fine-tuned model, its own <c>vocab.txt</c>,
    /// cased as its export records. A run continuing it (<c>TrainingJob</c>, through <c>--init-from</c>) tokenizes with its
    /// base's <c>vocab.txt</c> and casing, of which a model this service trained holds a copy, and with the model's own
    /// only when the model's encoder becomes the run's base (fewer layers than the base: <c>InitialModel.OwnEncoderOver</c>);
    /// both read a text as the model's vocabulary does. Else the base's, from its directory or its
    /// package, lower-cased as training finds its vocabulary (<see cref="BaseModel.CreateTextEncoder"/>). Null when the
    /// vocabulary cannot be read: the server's files are at fault, not the request, and the job's start names what is
    /// wrong, as it did before this check.
    /// </summary>
    /// <exception cref="Api.OpenAIApiException">As <see cref="ServedModels.Info"/>, for a fine-tuned model whose description cannot be read.</exception>
    public static BertTextEncoder? For(string model, ServedModels models, FineTuningStore store)
    {
        try
        {
            if (!models.IsBase(model))
            {
                // Deleted since the request's model was looked up: the creation refuses it, under the store's lock.
                if (models.FineTunedJob(model) is not { } source) return null;
                // As the classifier serving it makes its encoder (TextClassifier.Load).
                string modelVocabulary = Path.Combine(store.ModelDirectory(source.Id), ModelContract.VocabularyFile);
                return BertTextEncoder.Create(modelVocabulary, new BertTextEncoderOptions { LowerCase = models.Info(model).LowerCase });
            }
            string location = models.BaseModelLocation(model);
            if (PackagedBaseModelCatalog.Find(location) is { } packaged)
                return PackagedEncoders.GetOrAdd(packaged.PackageId, PackagedEncoder);
            string vocabPath = Path.Combine(location, ModelContract.VocabularyFile);
            return BaseModel.CreateTextEncoder(File.ReadAllBytes(vocabPath), vocabPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    // A package's vocabulary cannot change while the service runs (the runtime keeps the package DLL it loaded for the
    // process's life), and an encoder is immutable, so each package's is made once: made for every job creation, it
    // allocated about 10 MB each time. A configured base's folder and a fine-tuned model's are read each time, as the
    // base may have changed since (base_model_changed). A package that cannot be read is not kept, and is read again.
    private static readonly ConcurrentDictionary<string, BertTextEncoder> PackagedEncoders = new(StringComparer.Ordinal);

    /// <summary>The tokenizer of the vocabulary a pull extracts, read from the package: a base not pulled yet is pulled by the job's start.</summary>
    private static BertTextEncoder PackagedEncoder(string packageId)
    {
        using var resource = PackagedModelFiles.Open(packageId, ModelContract.VocabularyFile);
        using var vocabulary = new MemoryStream();
        resource.CopyTo(vocabulary);
        return BaseModel.CreateTextEncoder(vocabulary.ToArray(), $"{PackagedModelFiles.AssemblyPath(packageId)} ({ModelContract.VocabularyFile})");
    }
}
