using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Losses;
using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// What a resumed distillation is held to, by <c>ortagent distill --resume</c> and
/// <see cref="TextClassifierTrainer.Distill"/> alike: its artifacts are a student's, with the teacher's
/// labels, cut from this teacher into as many layers, and built with the α, temperature, maximum length, dropout and
/// weight decay asked for. Its graphs and checkpoint fix all of these, so a run continued under others would drop them
/// unsaid, and its card would describe another student. The callers differ in what they ask for: the command leaves an
/// option not given to the run (null here), the facade asks for every value.
/// </summary>
internal static class ResumedStudent
{
    /// <summary>The settings a student's graphs are built with, as a caller asks for them; null takes the run's own.</summary>
    public sealed record Settings(float? Alpha, float? Temperature, int? MaxLength, float? DropoutRatio, double? WeightDecay);

    /// <summary>What a refusal tells its reader to do instead, in the caller's terms; null adds nothing.</summary>
    /// <param name="option">The option refused (<c>Type.Property</c>), or null when the run itself is (not a distillation, other labels).</param>
    /// <param name="kept">The run's own value of the option.</param>
    public delegate string? Remedy(string? option, object? kept);

    /// <summary>Checks the run in <paramref name="resume"/> against the teacher, the layers kept and the settings asked for.</summary>
    /// <typeparam name="TOptions">
    /// The caller's options, whose <c>Teacher</c>, <c>MaxLength</c>, <c>DropoutRatio</c> and <c>WeightDecay</c> the
    /// refusals name: <see cref="TextClassifierDistillationOptions"/>, or the command's, which names them the same.
    /// </typeparam>
    /// <param name="resume">The run's artifacts, opened.</param>
    /// <param name="artifactsWhat">The artifacts directory as the caller's user named it (<c>--resume DIR</c>), for a refusal of the run itself.</param>
    /// <param name="teacher">The teacher asked for.</param>
    /// <param name="keep">The teacher layers the student asked for keeps.</param>
    /// <param name="asked">The settings asked for.</param>
    /// <param name="remedy">The caller's ending of each refusal.</param>
    /// <exception cref="UserInputException">The run is not a distillation, or its labels are not the teacher's.</exception>
    /// <exception cref="InvalidOptionException">The teacher, the number of layers or a setting asked for differs from the run's.</exception>
    public static void Check<TOptions>(TrainingArtifacts resume, string artifactsWhat, TeacherModel teacher, IReadOnlyList<int> keep, Settings asked, Remedy remedy)
    {
        var run = resume.Properties;
        var student = StudentRecord.Read(resume.Directory);
        RefuseUnlessDistillation(run, resume.Directory, student is not null, artifactsWhat, remedy);
        if (!run.Labels.SequenceEqual(teacher.Info.Labels, StringComparer.Ordinal))
            throw RunRefused(artifactsWhat, $"the student's labels {PrintableText.QuoteAll(run.Labels)} differ from the teacher's {PrintableText.QuoteAll(teacher.Info.Labels)}", remedy);

        string where = $"the run in {resume.Directory}";
        InvalidOptionException Keeps(string option, object given, string what, object? kept) =>
            new(option, given, $"{where} {what}, which a resumed run keeps; {remedy(option, kept)}");
        if (student is not null)
        {
            if (!UnixFileStatus.SameFile(student.Teacher, teacher.Directory) && OtherTeacher(student, teacher) is { } distils)
                throw Keeps(InvalidOptionException.Name<TOptions>(nameof(TextClassifierDistillationOptions.Teacher)), teacher.Directory, distils, student.Teacher);
            if (student.KeptLayers.Count != keep.Count)
                throw Keeps(InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Layers)), keep.Count,
                    $"has a student of {student.KeptLayers.Count} layers (teacher layers {string.Join(", ", student.KeptLayers)})", student.KeptLayers.Count);
        }
        // A student from before the record is still its own encoder's layers, which its parameters name: a run continued
        // under another count trained the student it had and wrote a card describing the one asked for.
        else if (EncoderLayers.CountIn(run.TrainableParameters.Concat(run.FrozenParameters)) is var layers and > 0 && layers != keep.Count)
            throw Keeps(InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Layers)), keep.Count, $"has a student of {layers} layers", layers);
        var built = new (string Option, object? Asked, object? Kept)[]
        {
            (InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Alpha)), asked.Alpha, run.DistillationWeight),
            (InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Temperature)), asked.Temperature, run.Temperature),
            (InvalidOptionException.Name<TOptions>(nameof(Settings.MaxLength)), asked.MaxLength, run.MaxLength),
            (InvalidOptionException.Name<TOptions>(nameof(Settings.DropoutRatio)), asked.DropoutRatio, run.DropoutRatio),
            (InvalidOptionException.Name<TOptions>(nameof(Settings.WeightDecay)), asked.WeightDecay, run.WeightDecay),
        };
        foreach (var (option, given, kept) in built)
            // A setting the run did not record (artifacts from before it was) is refused when asked for too: which one
            // the run was built with is unknown, and its tokenization or loss could change mid-run without a word.
            if (given is not null && !RecordedSettings.SameSetting(given, kept))
                throw Keeps(option, given, $"was built with {(kept is null ? "none recorded" : InvalidOptionException.Display(kept))}", kept);
    }

    /// <summary>
    /// What the run distils, said as a refusal of <paramref name="teacher"/>, a folder other than the one it recorded; null
    /// when the recorded folder is gone and this is that teacher moved: the same <c>model.onnx</c> and <c>vocab.txt</c>,
    /// byte for byte, by the digest the run recorded as it began (<see cref="StudentRecord.TeacherDigest"/>), as
    /// <c>train --resume</c> takes its recorded data file moved. While the recorded folder is there, the run distils that
    /// one. A run begun before that record knows its teacher by its folder only, and is held to it.
    /// </summary>
    private static string? OtherTeacher(StudentRecord student, TeacherModel teacher)
    {
        if (student.TeacherDigest is not { } recorded || Path.Exists(student.Teacher)) return $"distils {student.Teacher}";
        string actual = teacher.Digest();
        return actual == recorded ? null
            : $"distils {student.Teacher} ({ModelContract.ModelFile} and {ModelContract.VocabularyFile} of SHA-256 {ModelDigest.Short(recorded)}…; this one's are {ModelDigest.Short(actual)}…)";
    }

    /// <summary>
    /// The record of the student in <paramref name="directory"/>, a run to resume, read before anything else of the call
    /// is checked: a caller that takes the teacher and the layers from it when they are not given refuses artifacts that
    /// are no distillation's first, rather than asking for options a distillation's record would have answered, or
    /// judging destinations that run recorded. Only a distillation writes the record (new artifacts drop one a run before
    /// them left), so the run's properties are read only when there is none, to tell a distillation from before records
    /// from another run: without the run's claim (<see cref="TrainingArtifacts.ReadWithoutClaim"/>), changing nothing.
    /// <see cref="Check"/> judges the run again once it is claimed and opened.
    /// </summary>
    /// <param name="directory">The artifacts directory to resume.</param>
    /// <param name="artifactsWhat">The directory as the caller's user named it (<c>--resume DIR</c>), for a refusal of the run.</param>
    /// <param name="remedy">The caller's ending of a refusal.</param>
    /// <returns>The record; null for a distillation whose artifacts keep none (written before 2026-12-04).</returns>
    /// <exception cref="UserInputException">There is no run there, its artifacts are unreadable, or it is not a distillation.</exception>
    public static StudentRecord? RecordOfRunIn(string directory, string artifactsWhat, Remedy remedy)
    {
        TrainingArtifacts.RefuseNoRunIn(directory);
        if (StudentRecord.Read(directory) is { } record) return record;
        RefuseUnlessDistillation(TrainingArtifacts.ReadWithoutClaim(directory, artifacts => artifacts.Properties), directory, hasRecord: false, artifactsWhat, remedy);
        return null;
    }

    /// <summary>
    /// Refuses a run no distillation began: a fine-tuning run's, or artifacts generated with the distillation loss on a
    /// base model as it is (<c>ortagent artifacts --loss kd</c>), which have no student. A distillation's base is the
    /// student it cut from its teacher, written beside its graphs, and since 2026-12-04 it records that teacher; a run
    /// of the others went on to train the whole base, with a card naming the layers asked for.
    /// </summary>
    private static void RefuseUnlessDistillation(TrainingProperties run, string directory, bool hasRecord, string artifactsWhat, Remedy remedy)
    {
        if (!run.IsDistillation)
            throw RunRefused(artifactsWhat, "these artifacts are a fine-tuning run's, not a distillation's", remedy);
        if (!hasRecord && !IsStudentOf(run, directory))
            throw new UserInputException($"{artifactsWhat}: these artifacts hold no student cut from a teacher: they have the distillation loss (kd) on the "
                + $"base model {run.BaseModel} itself and no {TrainingArtifacts.StudentRecordFile}, as 'ortagent artifacts --loss kd' writes them, "
                + "and only a run a distillation began can be resumed");
    }

    /// <summary>
    /// Whether <paramref name="resume"/> holds a distillation's student: the distillation loss, and a record of the
    /// student (since 2026-12-04) or, before it, the student's encoder as the run's base.
    /// </summary>
    public static bool IsStudent(TrainingArtifacts resume) =>
        resume.Properties.IsDistillation && (StudentRecord.Read(resume.Directory) is not null || IsStudentOf(resume.Properties, resume.Directory));

    /// <summary>
    /// Whether the run in <paramref name="artifactsDirectory"/> is a distillation's student, as <see cref="IsStudent"/>
    /// tells it, read without opening the run (<see cref="TrainingArtifacts.PropertiesIn"/>): for a host about to replace
    /// the run with a new one, which names the command that made it.
    /// </summary>
    internal static bool IsStudentIn(string artifactsDirectory) =>
        TrainingArtifacts.PropertiesIn(artifactsDirectory) is { IsDistillation: true } run
        && (StudentRecord.Read(artifactsDirectory) is not null || IsStudentOf(run, artifactsDirectory));

    // The run's base is the encoder written inside its own artifacts (moved or copied since, too), which a distillation's kd loss is built on.
    private static bool IsStudentOf(TrainingProperties run, string directory) => TrainingArtifacts.OwnEncoderIn(run, directory) is not null;

    /// <summary>
    /// The encoder layers of the student in <paramref name="directory"/> that records none (<see cref="StudentRecord"/>
    /// came on 2026-12-04), as its parameters name them, read without its claim; 0 when they name none.
    /// </summary>
    public static int LayersOfUnrecordedStudent(string directory) =>
        TrainingArtifacts.ReadWithoutClaim(directory, artifacts => EncoderLayers.CountIn(artifacts.Properties.TrainableParameters.Concat(artifacts.Properties.FrozenParameters)));

    private static UserInputException RunRefused(string artifactsWhat, string problem, Remedy remedy) =>
        new(remedy(null, null) is { } then ? $"{artifactsWhat}: {problem}; {then}" : $"{artifactsWhat}: {problem}");
}
