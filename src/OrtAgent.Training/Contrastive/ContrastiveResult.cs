using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// How a contrastive run ended. <see cref="Run"/> has the shape of a standard run's result: the validation report of
/// the final head, and the parameters to export (encoder and <c>classifier.*</c>).
/// </summary>
/// <param name="Run">The outcome in the standard form; its steps are stage 1's optimizer steps.</param>
/// <param name="Rounds">Pair rounds of stage 1: the option's, or more to reach its minimum steps.</param>
/// <param name="Pairs">Sentence pairs in one epoch of stage 1.</param>
/// <param name="Head">The C the exported head was fitted with, how it was chosen, and every C tried.</param>
public sealed record ContrastiveResult(FineTuningResult Run, int Rounds, int Pairs, HeadSelection Head);
