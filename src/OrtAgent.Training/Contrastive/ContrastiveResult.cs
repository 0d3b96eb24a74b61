using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// How a contrastive run ended. <see cref="Run"/> has the shape of a standard run's result: the validation report of
/// the final head, and the parameters to export (encoder and <c>classifier.*</c>).
/// </summary>
/// <param name="Run">The outcome in the standard form; its steps are stage 1's optimizer steps.</param>
/// <param name="Pairs">Sentence pairs in one epoch of stage 1.</param>
/// <param name="HeadC">The C the exported head was fitted with.</param>
/// <param name="HeadCandidates">Every C tried on the validation split (one entry when C was fixed).</param>
public sealed record ContrastiveResult(FineTuningResult Run, int Pairs, double HeadC, IReadOnlyList<HeadCandidate> HeadCandidates);
