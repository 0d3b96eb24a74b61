using System.Text.Json;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// Reads OpenAI's create-job body. Hyperparameters are read from <c>method.supervised.hyperparameters</c> (what the
/// .NET SDK sends) or from the older top-level <c>hyperparameters</c>; each is a number or <c>"auto"</c>. The service's
/// extensions of <c>method.type</c>: <c>contrastive</c>, whose hyperparameters (with <c>pair_rounds</c>) stand under
/// <c>method.contrastive.hyperparameters</c>, and <c>auto</c>, which takes none.
/// </summary>
internal static class CreateJobRequestReader
{
    public static FineTuningJobRequest Read(JsonElement root)
    {
        RefuseUnknown(root, "", "model", "training_file", "validation_file", "suffix", "seed", "metadata", "hyperparameters", "method", "integrations");
        var hyperparameters = JsonFields.Object(root, "hyperparameters");
        if (hyperparameters is { } topLevel) RefuseUnknown(topLevel, "hyperparameters.", HyperparameterNames);
        var methodType = TrainingMethod.Standard;
        bool underMethod = false;
        if (JsonFields.Object(root, "method") is { } method)
        {
            string type = JsonFields.String(method, "type", "method.type")
                ?? throw OpenAIApiException.BadRequest($"method.type is required: {MethodType.Expected}", "method.type", OpenAIApiException.MissingRequiredParameter);
            methodType = MethodType.TryParse(type)
                ?? throw OpenAIApiException.BadRequest($"method.type '{type}' is not supported; a classifier is fine-tuned with {MethodType.Expected}", "method.type", "invalid_value");
            // Contrastive has its own hyperparameters, which OpenAI's older top-level place (supervised's) does not hold.
            if (methodType == TrainingMethod.Contrastive && hyperparameters is not null)
                throw OpenAIApiException.BadRequest(
                    "hyperparameters (top level) are supervised fine-tuning's; give a contrastive job's under method.contrastive.hyperparameters", "hyperparameters", "invalid_value");
            if (methodType == TrainingMethod.Auto)
            {
                foreach (var field in method.EnumerateObject())
                    if (field.Name is MethodType.Auto or MethodType.Supervised or MethodType.Contrastive)
                        throw OpenAIApiException.BadRequest(Jobs.FineTuningJobs.AutoTakesNoHyperparameters("method." + field.Name), "method." + field.Name, "invalid_value");
                RefuseUnknown(method, "method.", "type");
            }
            else if (Nested(method, MethodType.Of(methodType), hyperparameters) is { } nested)
            {
                hyperparameters = nested;
                underMethod = true;
            }
        }
        if (JsonFields.Get(root, "integrations") is { } integrations)
        {
            if (integrations.ValueKind != JsonValueKind.Array) throw OpenAIApiException.BadRequest("integrations must be an array", "integrations", JsonFields.InvalidType);
            if (integrations.GetArrayLength() > 0) throw OpenAIApiException.BadRequest("integrations are not supported by this service", "integrations", "unsupported_parameter");
        }

        int? epochs = null, batch = null, rounds = null;
        double? multiplier = null;
        if (hyperparameters is { } h)
        {
            epochs = WholeNumber(h, "n_epochs", methodType, underMethod);
            batch = WholeNumber(h, "batch_size", methodType, underMethod);
            multiplier = JsonFields.NumberOrAuto(h, "learning_rate_multiplier", MethodType.HyperparameterParam(methodType, "learning_rate_multiplier", underMethod), "a number or \"auto\"");
            rounds = WholeNumber(h, "pair_rounds", methodType, underMethod);
        }
        return new FineTuningJobRequest
        {
            Model = JsonFields.String(root, "model") ?? "",
            TrainingFile = JsonFields.String(root, "training_file") ?? "",
            ValidationFile = JsonFields.String(root, "validation_file"),
            Suffix = JsonFields.String(root, "suffix"),
            Seed = ReadSeed(root),
            Metadata = JsonFields.Get(root, "metadata") is { } metadata ? JsonFields.StringMap(metadata, "metadata") : null,
            NEpochs = epochs,
            BatchSize = batch,
            LearningRateMultiplier = multiplier,
            PairRounds = rounds,
            Method = methodType,
            HyperparametersUnderMethod = underMethod,
        };
    }

    private static readonly string[] HyperparameterNames = ["n_epochs", "batch_size", "learning_rate_multiplier"];

    private static readonly string[] ContrastiveHyperparameterNames = [.. HyperparameterNames, "pair_rounds"];

    /// <summary>
    /// The hyperparameters under <c>method.TYPE.hyperparameters</c>, or null when none are given there. Supervised ones
    /// may also stand at the top level (<paramref name="topLevel"/>): both given, they must agree.
    /// </summary>
    private static JsonElement? Nested(JsonElement method, string type, JsonElement? topLevel)
    {
        string at = $"method.{type}";
        RefuseUnknown(method, "method.", "type", type);
        if (JsonFields.Object(method, type, at) is not { } settings) return null;
        RefuseUnknown(settings, at + ".", "hyperparameters");
        if (JsonFields.Object(settings, "hyperparameters", at + ".hyperparameters") is not { } nested) return null;
        RefuseUnknown(nested, at + ".hyperparameters.", type == MethodType.Contrastive ? ContrastiveHyperparameterNames : HyperparameterNames);
        // Both places given: the nested one is used, so the top-level one must say the same or be refused.
        if (type == MethodType.Supervised && topLevel is { } older)
            foreach (var name in HyperparameterNames)
                if (JsonFields.Get(older, name) is { } given && JsonFields.Get(nested, name) is { } used && given.GetRawText() != used.GetRawText())
                    throw OpenAIApiException.BadRequest(
                        $"hyperparameters.{name} is {given.GetRawText()} but method.supervised.hyperparameters.{name} is {used.GetRawText()}; give it in one place", $"hyperparameters.{name}", "invalid_value");
        return nested;
    }

    private static void RefuseUnknown(JsonElement fields, string prefix, params string[] known) =>
        JsonFields.RefuseUnknown(fields, prefix, "a job is created with", known);

    // A whole number beyond an int is out of every hyperparameter's range: refused here in the words (and with the
    // range) FineTuningJobs gives one inside it, naming the value as the client wrote it (1e400, not Infinity).
    private static int? WholeNumber(JsonElement hyperparameters, string name, TrainingMethod method, bool underMethod)
    {
        string param = MethodType.HyperparameterParam(method, name, underMethod);
        if (JsonFields.NumberOrAuto(hyperparameters, name, param, "a whole number or \"auto\"") is not { } value) return null;
        string given = JsonFields.Given(hyperparameters.GetProperty(name));
        if (!Serving.JsonWholeNumber.IsWhole(hyperparameters.GetProperty(name))) throw OpenAIApiException.WrongType(param, name, given, "a whole number or \"auto\"");
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Jobs.FineTuningJobs.OutOfRange(method, name, given, below: value < 0, underMethod);
    }

    // Its own range, not any integer's: a negative seed is refused with the words FineTuningJobs uses.
    private static int? ReadSeed(JsonElement root)
    {
        if (JsonFields.Get(root, "seed") is not { } seed) return null;
        if (!Serving.JsonWholeNumber.IsWhole(seed) || !seed.TryGetDouble(out double value))
            throw OpenAIApiException.WrongType("seed", "seed", seed.GetRawText(), Jobs.FineTuningJobs.SeedRange);
        return value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw OpenAIApiException.OutOfRange("seed", "seed", seed.GetRawText(), Jobs.FineTuningJobs.SeedRange, below: value < 0);
    }
}
