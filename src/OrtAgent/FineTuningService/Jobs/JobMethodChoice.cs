using OrtAgent.Data;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Settles what a job trains when it is created, from the counts its file check read, so the job object says it from
/// the start: <c>auto</c> becomes supervised or contrastive by <c>ortagent train --method auto</c>'s rule
/// (<see cref="TrainingMethodChoice.Resolve"/>) on the examples per label the run trains on, and a contrastive job's
/// <c>pair_rounds</c> become the rounds the run samples.
/// </summary>
internal static class JobMethodChoice
{
    /// <summary>
    /// The training examples of each label: all of them with a validation file, else what the run's stratified
    /// hold-out leaves. <see cref="StratifiedSplit"/> itself counts them, on the counts alone: which examples it holds
    /// out depends on the seed, how many does not.
    /// </summary>
    /// <exception cref="OpenAIApiException">400: the file is too small to hold any example out.</exception>
    public static IReadOnlyCollection<int> TrainingExamplesPerLabel(IReadOnlyDictionary<string, long> examplesPerLabel, bool heldOut)
    {
        if (!heldOut) return [.. examplesPerLabel.Values.Select(count => (int)count)];
        try
        {
            var split = StratifiedSplit.Create(
                examplesPerLabel.SelectMany(label => Enumerable.Repeat(new LabeledText("", label.Key, 0), (int)label.Value)), "training_file");
            return [.. split.Labels.Select(label => (int)split.TrainingCountOf(label))];
        }
        catch (UserInputException ex)
        {
            throw OpenAIApiException.BadRequest(ex.Message, "training_file", "invalid_file");
        }
    }

    /// <summary>
    /// The pair rounds a contrastive job samples: <paramref name="asked"/>, or the library's default raised so that its
    /// epochs take the library's least number of steps on <paramref name="trainingExamples"/> (as <c>ortagent train</c>
    /// does). The runner then samples exactly these, so the job reports what it trains.
    /// </summary>
    /// <exception cref="OpenAIApiException">400: the rounds would sample more pairs than a run takes.</exception>
    public static int PairRounds(int? asked, int epochs, int batchSize, int trainingExamples)
    {
        var settings = new ContrastiveOptions { Epochs = epochs, BatchSize = batchSize };
        int rounds = asked ?? settings.RoundsFor(trainingExamples);
        try
        {
            (settings with { PairRounds = rounds, MinimumSteps = 0 }).CheckPairCount(trainingExamples);
        }
        catch (InvalidOptionException ex)
        {
            // Too many pair rounds for the file: given, they are above what it allows; raised from the default, fewer given would do.
            throw OpenAIApiException.BadRequest(JobMessageWording.InText(ex.Message), MethodType.HyperparameterParam(TrainingMethod.Contrastive, "pair_rounds"), "integer_above_max_value");
        }
        return rounds;
    }
}
