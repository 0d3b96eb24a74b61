using OrtAgent.Data;
using OrtAgent.Training.Data;

namespace OrtAgent.FineTuning;

/// <summary>
/// What <see cref="TrainingData.CheckFiles"/> read of a run's data files before anything was resolved or written: the
/// training file's split (no validation file) or its labels (with one), which <see cref="TrainingData.Load"/> takes
/// rather than read the file again for them.
/// </summary>
/// <param name="Training">The training file, opened (with <paramref name="Columns"/>).</param>
/// <param name="Columns">The columns it was opened with.</param>
/// <param name="ValidationPath">The validation file checked, or null.</param>
/// <param name="Split">The training file's split, made with <paramref name="SplitSeed"/>, when there is no validation file.</param>
/// <param name="SplitSeed">The seed <paramref name="Split"/> was made with: a run that trains with another (a resumed run's recorded one) splits again.</param>
/// <param name="Labels">The training file's labels, when there is a validation file.</param>
public sealed record CheckedDataFiles(LabeledTextFile Training, LabeledTextFileOptions Columns, string? ValidationPath, StratifiedSplit? Split, int SplitSeed, LabelSet? Labels)
{
    /// <summary>Whether this is what was read of <paramref name="dataPath"/> and <paramref name="validationPath"/> with <paramref name="columns"/>.</summary>
    public bool Of(string dataPath, string? validationPath, LabeledTextFileOptions columns) =>
        Training.Path == dataPath && ValidationPath == validationPath
        && Columns.TextColumn == columns.TextColumn && Columns.LabelColumn == columns.LabelColumn && Columns.GroupColumn == columns.GroupColumn
        && Columns.Labels is null && columns.Labels is null && Columns.ForEvaluation == columns.ForEvaluation;
}
