using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Data;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// A distillation checked and read, ready for <see cref="TextClassifierTrainer.DistillPrepared"/> (the teacher over the
/// data, the student built or reopened, trained and exported): what <see cref="TextClassifierTrainer.Distill"/> and
/// <c>ortagent distill</c> each prepare in their own terms, the one from examples in memory, the other from files.
/// </summary>
/// <param name="Options">
/// The run's options: a resumed run's are what it was built and began with (its caller has refused others, or taken the
/// run's for those not asked for). Its directories are used as given, as the caller names them in messages.
/// </param>
/// <param name="Teacher">The teacher, opened.</param>
/// <param name="KeptLayers">The teacher layers the student keeps.</param>
/// <param name="MaxLength">The tokens per text the data was tokenized to.</param>
/// <param name="PaddingTokenId">The teacher vocabulary's [PAD] id.</param>
/// <param name="Training">The training examples, tokenized with the teacher's vocabulary, labelled by the teacher's labels.</param>
/// <param name="Validation">The validation examples, likewise.</param>
/// <param name="Digest">What identifies the examples (<see cref="RecordedSettings.Data"/>), recorded by a new run.</param>
/// <param name="CardData">How the student's card names the data.</param>
/// <param name="Resume">The run to continue, opened under <paramref name="Claim"/>; null for a new one.</param>
/// <param name="Claim">The claim on <see cref="TextClassifierDistillationOptions.ArtifactsDirectory"/>, which the caller holds and releases.</param>
internal sealed record PreparedDistillation(TextClassifierDistillationOptions Options, TeacherModel Teacher, IReadOnlyList<int> KeptLayers, int MaxLength,
    int PaddingTokenId, TokenizedDataset Training, TokenizedDataset Validation, DataDigest Digest, ClassifierTrainingCard.DataSources CardData,
    TrainingArtifacts? Resume, ArtifactsClaim Claim);
