using System.Text.RegularExpressions;
using OrtAgent.FineTuning;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Words a library's message (a trainer's remark, a refusal) for a job's API caller, who sets hyperparameters and never
/// sees the libraries' option types: an option the job sets from a hyperparameter is named as the hyperparameter
/// (<c>FineTuningOptions.Epochs</c> becomes <c>hyperparameters.n_epochs</c>), and any other is named in plain words as
/// the service's own setting (<c>ContrastiveOptions.HeadC</c> becomes <c>the service's head C setting</c>). The command
/// line's counterpart is <c>OptionFlags.InText</c>.
/// </summary>
internal static class JobMessageWording
{
    // A supervised job's hyperparameters stand where its creation body gave them: at the top level or under method.supervised.
    private static readonly Dictionary<string, string> TopLevel = Hyperparameters(underMethod: false), UnderMethod = Hyperparameters(underMethod: true);

    private static Dictionary<string, string> Hyperparameters(bool underMethod) => new()
    {
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Epochs))] = MethodType.HyperparameterParam(TrainingMethod.Standard, "n_epochs", underMethod),
        [Name<FineTuningOptions>(nameof(FineTuningOptions.BatchSize))] = MethodType.HyperparameterParam(TrainingMethod.Standard, "batch_size", underMethod),
        // The job's learning rate is the default rate times the multiplier (JobRunner), so its value is the product's.
        [Name<FineTuningOptions>(nameof(FineTuningOptions.LearningRate))] = LearningRate(TrainingMethod.Standard, underMethod),
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Seed))] = "seed",
        // A contrastive job's hyperparameters stand under method.contrastive.hyperparameters (its seed is the job's).
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Epochs))] = Contrastive("n_epochs"),
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.BatchSize))] = Contrastive("batch_size"),
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.PairRounds))] = Contrastive("pair_rounds"),
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.LearningRate))] = LearningRate(TrainingMethod.Contrastive, underMethod),
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Seed))] = "seed",
    };

    private static string Contrastive(string hyperparameter) => MethodType.HyperparameterParam(TrainingMethod.Contrastive, hyperparameter);

    private static string LearningRate(TrainingMethod method, bool underMethod) =>
        $"the learning rate ({FineTuningJobs.BaseLearningRateText(method)} × {MethodType.HyperparameterParam(method, "learning_rate_multiplier", underMethod)})";

    // Any library option's name in running text: an options type (its name ends in Options) and a property.
    private static readonly Regex OptionName = new(@"\b[A-Z][A-Za-z0-9]*Options\.([A-Z][A-Za-z0-9]*)\b", RegexOptions.CultureInvariant);

    // Where a property's name splits into words: before a capital that follows a lower-case letter or digit.
    private static readonly Regex WordStart = new(@"(?<=[a-z0-9])(?=[A-Z])", RegexOptions.CultureInvariant);

    // The job's validation examples come from the request's validation_file, not from a path option.
    private static readonly string ValidationFile = TrainingData.SeparateValidation;

    /// <summary>
    /// <paramref name="text"/> with every library option it names worded for the job's API caller: a hyperparameter under
    /// <c>method.TYPE.hyperparameters</c> when <paramref name="hyperparametersUnderMethod"/> (the job's creation body gave
    /// them there), else at the top level.
    /// </summary>
    public static string InText(string text, bool hyperparametersUnderMethod = false) =>
        OptionName.Replace(text.Replace(ValidationFile, "validation_file", StringComparison.Ordinal), match =>
            (hyperparametersUnderMethod ? UnderMethod : TopLevel).TryGetValue(match.Value, out var hyperparameter)
                ? hyperparameter : $"the service's {Words(match.Groups[1].Value)} setting");

    // MinimumValidationToSelect → "minimum validation to select"; HeadC → "head C" (a one-letter word keeps its case).
    private static string Words(string property) => string.Join(' ',
        WordStart.Split(property).Select(word => word.Length == 1 ? word : word.ToLowerInvariant()));

    private static string Name<TOptions>(string property) => InvalidOptionException.Name<TOptions>(property);
}
