using System.Text.Json;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// Reads OpenAI's create-job body. Hyperparameters are read from <c>method.supervised.hyperparameters</c> (what the
/// .NET SDK sends) or from the older top-level <c>hyperparameters</c>; each is a number or <c>"auto"</c>.
/// </summary>
internal static class CreateJobRequestReader
{
    public static FineTuningJobRequest Read(JsonElement root)
    {
        RefuseUnknown(root, "", "model", "training_file", "validation_file", "suffix", "seed", "metadata", "hyperparameters", "method", "integrations");
        var hyperparameters = JsonFields.Object(root, "hyperparameters");
        if (hyperparameters is { } topLevel) RefuseUnknown(topLevel, "hyperparameters.", HyperparameterNames);
        if (JsonFields.Object(root, "method") is { } method)
        {
            string type = JsonFields.String(method, "type", "method.type")
                ?? throw OpenAIApiException.BadRequest("method.type is required: 'supervised'", "method.type");
            if (type != "supervised")
                throw OpenAIApiException.BadRequest($"method.type '{type}' is not supported; a classifier is fine-tuned with 'supervised'", "method.type");
            RefuseUnknown(method, "method.", "type", "supervised");
            if (JsonFields.Object(method, "supervised", "method.supervised") is { } supervised)
            {
                RefuseUnknown(supervised, "method.supervised.", "hyperparameters");
                if (JsonFields.Object(supervised, "hyperparameters", "method.supervised.hyperparameters") is { } nested)
                {
                    RefuseUnknown(nested, "method.supervised.hyperparameters.", HyperparameterNames);
                    // Both places given: the nested one is used, so the top-level one must say the same or be refused.
                    if (hyperparameters is { } older)
                        foreach (var name in HyperparameterNames)
                            if (JsonFields.Get(older, name) is { } given && JsonFields.Get(nested, name) is { } used && given.GetRawText() != used.GetRawText())
                                throw OpenAIApiException.BadRequest(
                                    $"hyperparameters.{name} is {given.GetRawText()} but method.supervised.hyperparameters.{name} is {used.GetRawText()}; give it in one place", $"hyperparameters.{name}");
                    hyperparameters = nested;
                }
            }
        }
        if (JsonFields.Get(root, "integrations") is { } integrations)
        {
            if (integrations.ValueKind != JsonValueKind.Array) throw OpenAIApiException.BadRequest("integrations must be an array", "integrations");
            if (integrations.GetArrayLength() > 0) throw OpenAIApiException.BadRequest("integrations are not supported by this service", "integrations");
        }

        int? epochs = null, batch = null;
        double? multiplier = null;
        if (hyperparameters is { } h)
        {
            epochs = WholeNumber(JsonFields.NumberOrAuto(h, "n_epochs", "hyperparameters.n_epochs"), "hyperparameters.n_epochs");
            batch = WholeNumber(JsonFields.NumberOrAuto(h, "batch_size", "hyperparameters.batch_size"), "hyperparameters.batch_size");
            multiplier = JsonFields.NumberOrAuto(h, "learning_rate_multiplier", "hyperparameters.learning_rate_multiplier");
        }
        return new FineTuningJobRequest
        {
            Model = JsonFields.String(root, "model") ?? "",
            TrainingFile = JsonFields.String(root, "training_file") ?? "",
            ValidationFile = JsonFields.String(root, "validation_file"),
            Suffix = JsonFields.String(root, "suffix"),
            Seed = ReadSeed(root),
            Metadata = ReadMetadata(root),
            NEpochs = epochs,
            BatchSize = batch,
            LearningRateMultiplier = multiplier,
        };
    }

    private static readonly string[] HyperparameterNames = ["n_epochs", "batch_size", "learning_rate_multiplier"];

    private static void RefuseUnknown(JsonElement fields, string prefix, params string[] known) =>
        JsonFields.RefuseUnknown(fields, prefix, "a job is created with", known);

    private static int? WholeNumber(double? value, string param) =>
        value is not { } v ? null
        : v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue ? (int)v
        : throw OpenAIApiException.BadRequest($"{param} must be a whole number or \"auto\"", param);

    // Its own range, not any integer's: a negative seed is refused with the words FineTuningJobs uses.
    private static int? ReadSeed(JsonElement root) =>
        JsonFields.Get(root, "seed") is not { } seed ? null
        : seed.ValueKind == JsonValueKind.Number && seed.TryGetInt32(out int value) && value >= 0 ? value
        : throw OpenAIApiException.BadRequest(Jobs.FineTuningJobs.SeedRange, "seed");

    private static Dictionary<string, string>? ReadMetadata(JsonElement root)
    {
        if (JsonFields.Object(root, "metadata") is not { } metadata) return null;
        var pairs = new Dictionary<string, string>();
        foreach (var property in metadata.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw OpenAIApiException.BadRequest($"metadata.{property.Name} must be a string", "metadata");
            pairs[property.Name] = property.Value.GetString()!;
        }
        return pairs;
    }
}
