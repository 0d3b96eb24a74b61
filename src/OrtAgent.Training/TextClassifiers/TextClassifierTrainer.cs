using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// Trains a text classifier from labelled texts in memory and exports it, in one call: what <c>ortagent train</c> does,
/// for a .NET program. It checks the options and the data, holds out a stratified, seeded validation part when none is
/// given, resolves the <see cref="TrainingMethod"/>, generates the training artifacts (or resumes the run found in them),
/// trains under a claim on the artifacts directory, and exports the best model, which
/// <c>OrtAgent.Runtime.TextClassifier.Load</c> opens.
/// </summary>
/// <remarks>
/// Every mistake in the options or the data is a <see cref="UserInputException"/> (an <see cref="InvalidOptionException"/>
/// naming <c>Type.Property</c> for an option) thrown before anything is written. Cancelling writes a checkpoint and
/// throws <see cref="OperationCanceledException"/>; the same call made again resumes the run where it stopped
/// (<see cref="ExistingRun.Resume"/>), taking the steps the uninterrupted run would have taken.
/// </remarks>
public static partial class TextClassifierTrainer
{
    // One file per entry: Train (TextClassifierTrainer.Train.cs) and Distill (TextClassifierTrainer.Distill.cs) each
    // check their own options; both read their examples through InMemoryExamples, claim their directories through
    // ClaimedDirectories, and end in what this file holds: the state a resumed run continues from, and the export.

    /// <summary>
    /// Exports the run's model, and keeps its card in the artifacts as train keeps its own, for a later
    /// <c>export --checkpoint</c> of the run to say what it did. A finished run called again took no step: the model it
    /// exported before, still in place, is kept as it is with the card of the call that trained it, so a
    /// <c>TextClassifier</c> loaded from it goes on explaining rather than refusing a model that was only written again.
    /// </summary>
    /// <returns>True when the model was written; false when the one in place was kept.</returns>
    private static bool ExportUnlessInPlace(TrainingArtifacts artifacts, FineTuningResult result, ExportOptions export, string card, TrainerState? began,
        string outputDirectory, CancellationToken cancellationToken)
    {
        var prepared = ModelExporter.Prepare(artifacts, result.BestParameters, export);
        if (began is { Finished: true } && prepared.IsIn(outputDirectory)) return false;
        artifacts.RecordModelCard(card);
        prepared.WriteTo(outputDirectory, cancellationToken);
        return true;
    }

    /// <summary>Where the resumed run stands, from the trainer state beside its checkpoint; null for a new run, or one that saved no state.</summary>
    private static TrainerState? SavedState(TrainingArtifacts? resume) =>
        resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;

    internal static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    internal static string Name(string property) => InvalidOptionException.Name<TextClassifierTrainingOptions>(property);

    /// <summary>The observer of a caller that passed none.</summary>
    private sealed class SilentObserver : ITrainingObserver
    {
        public void OnStep(TrainingStepInfo step) { }

        public void OnEvaluation(EvaluationInfo evaluation) { }

        public void OnMessage(string message) { }
    }
}
