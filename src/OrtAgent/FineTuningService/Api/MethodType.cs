using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The API's names of the training methods (<c>method.type</c>): OpenAI's <c>supervised</c> is standard fine-tuning,
/// and <c>contrastive</c> and <c>auto</c> are this service's extensions, as <c>ortagent train --method</c> has them.
/// </summary>
internal static class MethodType
{
    public const string Supervised = "supervised", Contrastive = "contrastive", Auto = "auto";

    /// <summary>What a request may name, for messages.</summary>
    public const string Expected = "'supervised' (standard fine-tuning), 'contrastive' (sentence pairs, then a logistic-regression head) or 'auto' (contrastive for few examples per label)";

    public static string Of(TrainingMethod method) => method switch
    {
        TrainingMethod.Standard => Supervised,
        TrainingMethod.Contrastive => Contrastive,
        TrainingMethod.Auto => Auto,
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static TrainingMethod? TryParse(string? type) => type switch
    {
        Supervised => TrainingMethod.Standard,
        Contrastive => TrainingMethod.Contrastive,
        Auto => TrainingMethod.Auto,
        _ => null,
    };

    /// <summary>
    /// Where a job's hyperparameter <paramref name="name"/> stands in the body, which refusals name: under
    /// <c>method.TYPE.hyperparameters</c> when <paramref name="underMethod"/> (a contrastive job's always are), else in the
    /// older top-level <c>hyperparameters</c>.
    /// </summary>
    public static string HyperparameterParam(TrainingMethod method, string name, bool underMethod = false) =>
        method == TrainingMethod.Contrastive || underMethod ? $"method.{Of(method)}.hyperparameters.{name}" : $"hyperparameters.{name}";
}
