using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Turns the trainer's reports, one per optimizer step, into the job's history: a <c>metrics</c> event every
/// <see cref="FineTuningServiceOptions.MetricsEverySteps"/> steps and at each epoch's last, an evaluation event and a
/// checkpoint object per evaluation (the trainer evaluates at each epoch's end), one row per step in the step-metrics
/// CSV (as OpenAI's: an evaluation fills its step's row, which the step wrote a moment before), and
/// an estimated finish from the pace so far. A checkpoint object is listed once the trainer's checkpoint holds its step
/// or a later one (<see cref="OnCheckpointSaved"/>), so every listed checkpoint is a point the job resumes from or past:
/// the trainer saves at most once per <see cref="FineTuner.MinimumStepsBetweenCheckpoints"/> steps on small data, and a
/// job killed after listing epoch 9 at step 126 resumed from step 112. A contrastive job's steps are stage 1's, on
/// sentence pairs (their loss is the pair loss), and its one evaluation is the head fitted after the last of them.
/// </summary>
internal sealed class JobProgressObserver : ITrainingObserver, IDisposable
{
    public const string CsvHeader = "step,epoch,train_loss,learning_rate,grad_norm,valid_loss,valid_mean_token_accuracy";

    private readonly FineTuningStore _store;
    private readonly string _jobId;
    private readonly string _checkpointPrefix;
    private readonly Func<string, string> _describe;
    private readonly JobStartPhase _phase;
    private readonly bool _contrastive;
    private readonly bool _resumesFinishedRun;
    private readonly Func<long> _now;
    private readonly int _metricsEvery;
    // The last step, while its metrics event is not sent: sent once it proves to be its epoch's last (the next step is
    // in another epoch, or an evaluation of it comes), as the trainer reported epochs' ends when it reported the events' steps.
    private TrainingStepInfo? _unreported;
    // Evaluations not yet listed; their CreatedAt is set when they are (OnCheckpointSaved).
    private readonly List<JobCheckpoint> _unsaved = [];
    private readonly FileStream _csvFile;
    private readonly StreamWriter _csv;
    // The file's last row while it is a step's without evaluation columns: where it starts and its text, so that an
    // evaluation at its step completes it rather than adding a second row for the step.
    private (long Step, long LastComma)? _openRow;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _firstStep = -1;
    private double _lossSum;
    private int _lossCount;

    /// <param name="store">Where the job's events and checkpoint objects go.</param>
    /// <param name="jobId">The job reported on.</param>
    /// <param name="checkpointPrefix">The fine-tuned model's id, which checkpoint ids extend.</param>
    /// <param name="csvPath">The step-metrics CSV, appended to on a resumed run.</param>
    /// <param name="describe">Rewrites a trainer message for the job's API clients (server paths named by what they are).</param>
    /// <param name="phase">
    /// The job's start, which <see cref="OnTrainingStarted"/> ends, unless a cancel or pause ended the job first (the run
    /// then stops there); told when the last optimizer step is taken (<see cref="OnStep"/>), after which a standard job is
    /// finishing and a contrastive one fits its head, finishing once that is fitted (<see cref="OnEvaluation"/>).
    /// </param>
    /// <param name="method">How the job trains, which its events say.</param>
    /// <param name="clock">Unix seconds now, for a checkpoint object's <c>created_at</c>; the store's clock unless a test gives one.</param>
    /// <param name="resumesFinishedRun">
    /// The job resumes from a checkpoint that holds its last optimizer step: it takes no step, so it is past its last one
    /// as soon as training begins.
    /// </param>
    /// <param name="metricsEvery">Every how many steps a <c>metrics</c> event is recorded (the CSV has every step).</param>
    public JobProgressObserver(FineTuningStore store, string jobId, string checkpointPrefix, string csvPath, Func<string, string> describe,
        JobStartPhase? phase = null, TrainingMethod method = TrainingMethod.Standard, Func<long>? clock = null, bool resumesFinishedRun = false,
        int metricsEvery = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(metricsEvery, 1);
        _metricsEvery = metricsEvery;
        _now = clock ?? FineTuningStore.Now;
        _resumesFinishedRun = resumesFinishedRun;
        _contrastive = method == TrainingMethod.Contrastive;
        _phase = phase ?? new JobStartPhase();
        _store = store;
        _jobId = jobId;
        _checkpointPrefix = checkpointPrefix;
        _describe = describe;
        bool exists = File.Exists(csvPath);
        // Read before the file is opened for writing: on Windows a second open for reading is refused while it is.
        if (exists)
        {
            var text = File.ReadAllText(csvPath);
            ReadBackLossesSinceLastEvaluation(text);
            _openRow = OpenLastRow(text);
        }
        // Continuing: a resumed job continues the file its first run started, and may complete its last row (a stop
        // during the evaluation of that step leaves the evaluation to the resumed run). Not FileMode.Append, which
        // cannot seek back into that row.
        _csvFile = new FileStream(csvPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        _csvFile.Seek(0, SeekOrigin.End);
        _csv = new StreamWriter(_csvFile) { AutoFlush = true, NewLine = "\n" };
        if (!exists) _csv.WriteLine(CsvHeader);
    }

    /// <summary>
    /// Drops the rows of the step-metrics CSV at <paramref name="csvPath"/> after <paramref name="step"/> (rewriting it
    /// whole, atomically) and returns the last step they held, or null when there were none: the rows a process killed
    /// outright wrote past its last checkpoint, which the resumed run writes again.
    /// </summary>
    public static long? ForgetRowsAfter(string csvPath, long step)
    {
        if (!File.Exists(csvPath)) return null;
        var lines = File.ReadAllLines(csvPath);
        static long? StepOf(string row) =>
            long.TryParse(row.AsSpan(0, Math.Max(0, row.IndexOf(','))), NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s : null;
        long? last = lines.Skip(1).Select(StepOf).Where(s => s > step).Max();
        if (last is null) return null;
        AtomicFile.WriteAllText(csvPath, string.Concat(lines.Where((row, i) => i == 0 || !(StepOf(row) > step)).Select(row => row + "\n")));
        return last;
    }

    /// <summary>
    /// A resumed job's first checkpoint reports the mean training loss since the evaluation before it, some of whose
    /// steps the stopped process took: their losses come from the CSV (already cut back to the checkpoint), so the
    /// figure is the uninterrupted job's.
    /// </summary>
    private void ReadBackLossesSinceLastEvaluation(string csvText)
    {
        foreach (var row in csvText.Split('\n').Skip(1).Select(line => line.TrimEnd('\r')))
        {
            var cells = row.Split(',');
            if (cells.Length < 7) continue;
            if (double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double loss))
            {
                _lossSum += loss;
                _lossCount++;
            }
            // An evaluated step (only those have an accuracy) counts in its evaluation's mean; the next starts after it.
            if (cells[6].Length > 0) (_lossSum, _lossCount) = (0, 0);
        }
    }

    /// <summary>
    /// The CSV's last row, when it is a step's without evaluation columns and ends the file with a plain newline: its step
    /// and the byte offset of its last comma, from which an evaluation writes its columns over the row's end.
    /// </summary>
    private static (long Step, long LastComma)? OpenLastRow(string text)
    {
        if (!text.EndsWith('\n') || text.EndsWith("\r\n", StringComparison.Ordinal)) return null;
        int start = text.LastIndexOf('\n', text.Length - 2) + 1;
        string row = text[start..^1];
        var cells = row.Split(',');
        return cells.Length == 7 && cells[2].Length > 0 && cells[5].Length == 0 && cells[6].Length == 0
            && long.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? (step, Encoding.UTF8.GetByteCount(text.AsSpan(0, start)) + row.Length - 1)
            : null;
    }

    /// <summary>
    /// Where training stood, for a stop's or cancel's event: the step a stop's checkpoint was written at, else the last
    /// step reported (or the one training resumed from). Reports come every <see cref="FineTuningServiceOptions.MetricsEverySteps"/>
    /// steps, so a pause said "paused at step 10" of a run whose checkpoint, the one it resumes from, holds step 11.
    /// </summary>
    public long LastStep { get; private set; }

    /// <summary>
    /// Ends the job's start, before its first optimizer step. When a cancel or pause recorded the job while it was
    /// starting, the run stops here instead: the client was told it trains no step, and a stop at the cancellation token
    /// would first write a checkpoint (the whole model and optimizer state, 270 MB on minilm) that the runner deletes, or,
    /// for a pause, one past what the client was told.
    /// </summary>
    /// <exception cref="OperationCanceledException">A cancel or pause recorded the job while it was starting.</exception>
    public void OnTrainingStarted(long fromStep)
    {
        if (!_phase.TryBeginTraining()) throw new OperationCanceledException($"The job was cancelled or paused while it was starting, before step {fromStep + 1}.");
        // A resumed job cancelled before it reports a step stopped where it resumed, not at step 0.
        LastStep = fromStep;
        if (_resumesFinishedRun) PassLastStep();
    }

    /// <summary>
    /// Records the step's row in the CSV, and its metrics event when it is one the job reports. The last step (a job
    /// trains all its steps: no early stop) ends training: what follows a standard job's, the final evaluation and the
    /// export, ends the job, and a pause is refused then; a contrastive job fits its classifier head first, which a pause
    /// still stops.
    /// </summary>
    public void OnStep(TrainingStepInfo step)
    {
        LastStep = step.Step;
        if (step.Step >= step.TotalSteps) PassLastStep();
        _lossSum += step.Loss;
        _lossCount++;
        string row = string.Join(',', Format(step.Step), Format(step.Epoch), Format(step.Loss), Format(step.LearningRate), Format(step.GradNorm), "", "");
        long offset = _csvFile.Position;
        _csv.WriteLine(row);
        _openRow = (step.Step, offset + row.Length - 1);
        if (_unreported is { } previous && previous.Epoch != step.Epoch) Report(previous);
        _unreported = null;
        if (step.Step % _metricsEvery == 0 || step.Step >= step.TotalSteps) Report(step);
        else _unreported = step;
    }

    /// <summary>
    /// Records the metrics event of the last step trained, when its report was still to come: a job paused between two
    /// reports (every <see cref="FineTuningServiceOptions.MetricsEverySteps"/> steps) had none for where it stopped, so
    /// <c>get_fine_tuning_job</c> gave it no <c>progress</c> though its pause event named the step.
    /// </summary>
    public void ReportLastStep()
    {
        if (_unreported is not { } last) return;
        _unreported = null;
        Report(last);
    }

    /// <summary>Records the step's <c>metrics</c> event and the job's estimated finish from the pace of this run.</summary>
    private void Report(TrainingStepInfo step)
    {
        var figures = new Dictionary<string, object?>
        {
            ["step"] = step.Step, ["total_steps"] = step.TotalSteps, ["epoch"] = step.Epoch, ["train_loss"] = step.Loss,
            ["learning_rate"] = step.LearningRate, ["grad_norm"] = step.GradNorm,
        };
        _store.AddEvent(_jobId, "info", $"Step {step.Step}/{step.TotalSteps}: {(_contrastive ? "sentence-pair" : "training")} loss={step.Loss.ToString("F4", CultureInfo.InvariantCulture)}", "metrics",
            Recordable(figures));
        // Pace of this run only: a resumed job's earlier steps were timed by another process.
        if (_firstStep < 0)
        {
            _firstStep = step.Step;
            _clock.Restart();
        }
        else if (step.Step > _firstStep)
        {
            double secondsPerStep = _clock.Elapsed.TotalSeconds / (step.Step - _firstStep);
            long remaining = (long)Math.Ceiling(secondsPerStep * (step.TotalSteps - step.Step));
            _store.SetEstimatedFinish(_jobId, FineTuningStore.Now() + Math.Max(remaining, 1));
        }
    }

    // A contrastive job's head fit (every example embedded, then an L-BFGS fit per candidate C and fold) is stage 2 of
    // its training, which a pause stops at the stage-1 checkpoint (resuming fits it again); a standard job's last step
    // leaves only its final evaluation and export.
    private void PassLastStep()
    {
        if (_contrastive) _phase.BeginHeadFit();
        else _phase.EndTraining();
    }

    public void OnEvaluation(EvaluationInfo evaluation)
    {
        // A contrastive job's one evaluation is its fitted head: only the export is left.
        if (_contrastive) _phase.EndTraining();
        // The evaluated step ends its epoch: its metrics event comes before the evaluation's.
        if (_unreported is { } evaluated && evaluated.Step == evaluation.Step) Report(evaluated);
        _unreported = null;
        var report = evaluation.Report;
        double validLoss = report.Loss ?? double.NaN;
        double trainLoss = _lossCount > 0 ? _lossSum / _lossCount : double.NaN;
        _lossSum = 0;
        _lossCount = 0;
        WriteEvaluationColumns(evaluation, validLoss, report.Accuracy);
        var metrics = new Dictionary<string, double>
        {
            ["step"] = evaluation.Step,
            ["valid_loss"] = validLoss,
            ["valid_mean_token_accuracy"] = report.Accuracy,
            ["full_valid_loss"] = validLoss,
            ["full_valid_mean_token_accuracy"] = report.Accuracy,
            ["train_loss"] = trainLoss,   // NaN when no step was reported since the last evaluation
        };
        var recordable = Recordable(metrics);
        var data = recordable.ToDictionary(p => p.Key, p => (object?)p.Value);
        // How many texts the figures rest on, for a reader weighing them (the MCP report); not a checkpoint metric of OpenAI's.
        data["valid_examples"] = report.Count;
        string figures = FormattableString.Invariant($"validation loss={validLoss:F4}, accuracy={report.Accuracy:F4}, macro F1={report.MacroF1:F4}");
        _store.AddEvent(_jobId, "info",
            _contrastive
                ? $"Classifier head fitted on the encoder after {evaluation.Epoch} {(evaluation.Epoch == 1 ? "epoch" : "epochs")} over sentence pairs (step {evaluation.Step}): {figures}"
                : $"Epoch {evaluation.Epoch} evaluation at step {evaluation.Step}: {figures}{(evaluation.IsBest ? " (kept so far)" : "")}",
            "metrics", data);
        _unsaved.Add(new JobCheckpoint(FineTuningStore.NewId("ftckpt-"), 0, evaluation.Step,
            $"{_checkpointPrefix}:ckpt-step-{evaluation.Step}", recordable));
    }

    /// <summary>
    /// Fills the evaluation's columns in its step's row when that is the file's last (the trainer reports the step just
    /// before evaluating it), or writes a row of its own for a step not reported (an evaluation between reports).
    /// </summary>
    private void WriteEvaluationColumns(EvaluationInfo evaluation, double validLoss, double accuracy)
    {
        string columns = $"{Format(validLoss)},{Format(accuracy)}";
        if (_openRow is { } open && open.Step == evaluation.Step)
        {
            // The row ends ",,\n"; from its last comma, "VALID,ACCURACY\n" is as long or longer, so it is written over
            // in place with one write: a kill leaves the row whole, with or without its evaluation, never two rows.
            _csvFile.Position = open.LastComma;
            _csv.WriteLine(columns);
        }
        else
        {
            _csv.WriteLine(string.Join(',', Format(evaluation.Step), Format(evaluation.Epoch), "", "", "", columns));
        }
        _openRow = null;
    }

    /// <summary>
    /// Lists the checkpoint objects of the evaluations up to <paramref name="step"/>, which a resume no longer trains
    /// again. Each is created now, as OpenAI's <c>created_at</c> says ("when the checkpoint was created"): a point the
    /// job resumes from exists once the trainer's save holds it, which on small data may be many steps after its evaluation.
    /// </summary>
    public void OnCheckpointSaved(long step)
    {
        long now = _now();
        foreach (var checkpoint in _unsaved.Where(c => c.StepNumber <= step)) _store.AddCheckpoint(_jobId, checkpoint with { CreatedAt = now });
        _unsaved.RemoveAll(c => c.StepNumber <= step);
    }

    /// <summary>Lists the checkpoint objects still waiting for a save: the run finished, so none of them is trained again.</summary>
    public void ListRemainingCheckpoints() => OnCheckpointSaved(long.MaxValue);

    // Said while starting too, so they begin nothing; after a cancel or pause that found the job starting, they are dropped.
    public void OnMessage(string message) => _phase.TryRecord(() => _store.AddEvent(_jobId, "info", _describe(message)));

    public void OnWarning(string message) => _phase.TryRecord(() => _store.AddEvent(_jobId, "warn", _describe(message)));

    // The runner's own event says why the run stopped (cancelled, paused, the service stopping) and where it resumes,
    // at this step; the checkpoint's folder is the server's business.
    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory) => LastStep = step;

    // JSON has no NaN nor infinity (a report without a loss, a run gone astray): such a figure is left out of events and checkpoints.
    private static Dictionary<string, T> Recordable<T>(Dictionary<string, T> figures) =>
        figures.Where(p => p.Value is not double value || double.IsFinite(value)).ToDictionary();

    private static string Format(double value) => !double.IsFinite(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _csv.Dispose();   // and the file under it
}
