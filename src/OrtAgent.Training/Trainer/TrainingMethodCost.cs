using System.Globalization;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The optimizer steps each method takes on a run's training examples, counted as the trainers count them, so that a host
/// can show what <see cref="TrainingMethod.Auto"/>'s choice costs: contrastive stage 1 samples 2 pairs per example and
/// round (20 rounds), so past a few hundred examples it takes about 13 times standard fine-tuning's steps.
/// </summary>
internal static class TrainingMethodCost
{
    /// <summary>Standard fine-tuning's steps: <see cref="FineTuningOptions.EpochsFor"/> epochs of batches, gradient accumulation counted.</summary>
    internal static long StandardSteps(int examples, FineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int stepsPerEpoch = options.StepsPerEpoch(examples);
        return (long)stepsPerEpoch * options.EpochsFor(stepsPerEpoch);
    }

    /// <summary>Contrastive stage 1's steps: <see cref="ContrastiveOptions.Epochs"/> passes over the pairs of <see cref="ContrastiveOptions.RoundsFor"/> rounds.</summary>
    internal static long ContrastiveStage1Steps(int examples, ContrastiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int pairs = checked((int)new ContrastivePairSampler(options.RoundsFor(examples)).PairCount(examples));
        return (long)LengthBucketBatcher.BatchCount(pairs, options.BatchSize) * options.Epochs;
    }

    /// <summary>One line for a log: <c>Steps: contrastive stage 1 about 1,688 (20 pair rounds over 675 training examples), standard fine-tuning about 129</c>.</summary>
    internal static string Describe(int examples, FineTuningOptions standard, ContrastiveOptions contrastive)
    {
        ArgumentNullException.ThrowIfNull(contrastive);
        int rounds = contrastive.RoundsFor(examples);
        return string.Create(CultureInfo.InvariantCulture,
            $"Steps: contrastive stage 1 about {ContrastiveStage1Steps(examples, contrastive):N0} ({rounds} pair {(rounds == 1 ? "round" : "rounds")} over {examples:N0} training {(examples == 1 ? "example" : "examples")}), standard fine-tuning about {StandardSteps(examples, standard):N0}");
    }
}
