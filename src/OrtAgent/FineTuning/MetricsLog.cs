using System.Text.Json;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>
/// Appends every logged step and evaluation to <c>metrics.jsonl</c>, one JSON object a line, flushed as written so a
/// crash keeps everything up to the last line; also keeps the per-epoch series for the summary chart.
/// </summary>
/// <remarks>Owns the file; dispose to close it.</remarks>
public sealed class MetricsLog : ITrainingObserver, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Dictionary<int, (double Sum, int Count)> _epochLoss = [];

    /// <summary>The log's file name, in the artifacts directory and beside an exported model.</summary>
    public const string FileName = Training.Artifacts.TrainingArtifacts.MetricsLogFile;

    /// <summary>Opens <paramref name="path"/>: a new log, or with <paramref name="resumedAtStep"/> the log of the run being resumed.</summary>
    /// <param name="path">The <c>metrics.jsonl</c> file.</param>
    /// <param name="resumedAtStep">The step of the checkpoint being resumed. Records past it were logged by the
    /// interrupted run after its last checkpoint and will be logged again, so they are cut off first.</param>
    /// <param name="metric">The run's monitored metric, read from a resumed log written before evaluations recorded
    /// their monitored value (2026-12-05).</param>
    public MetricsLog(string path, long? resumedAtStep, ValidationMetric metric = ValidationMetric.Accuracy)
    {
        _metric = metric;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (resumedAtStep is long step && File.Exists(path))
        {
            ReadBack(TrimAfter(path, step));
        }
        _writer = new StreamWriter(path, append: resumedAtStep is not null) { AutoFlush = true };
        FilePath = path;
    }

    private readonly ValidationMetric _metric;

    // The steps whose evaluation the resumed run's log already holds, and its messages (each skipped once when logged again).
    private readonly HashSet<long> _loggedEvaluations = [];
    private readonly List<string> _loggedMessages = [];

    /// <summary>
    /// Takes the series of the run being resumed from its log, so its chart has the epochs before the resume (it began
    /// at the resumed epoch, and was blank for a finished run resumed to export again).
    /// </summary>
    private void ReadBack(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            try
            {
                using var record = JsonDocument.Parse(line);
                var e = record.RootElement;
                if (e.GetProperty("type").GetString() == "message")
                {
                    _loggedMessages.Add(e.GetProperty("message").GetString() ?? "");
                    continue;
                }
                int epoch = e.GetProperty("epoch").GetInt32();
                switch (e.GetProperty("type").GetString())
                {
                    case "step":
                        var (sum, count) = _epochLoss.GetValueOrDefault(epoch);
                        _epochLoss[epoch] = (sum + e.GetProperty("loss").GetDouble(), count + 1);
                        break;
                    case "eval":
                        long step = e.GetProperty("step").GetInt64();
                        double? loss = e.TryGetProperty("loss", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetDouble() : null;
                        // Logs before 2026-12-05 do not record the monitored (smoothed) value: the metric itself stands in.
                        double monitored = (e.TryGetProperty("monitored", out var m) || e.TryGetProperty(ValidationMetricNames.Of(_metric), out m))
                            && m.ValueKind == JsonValueKind.Number ? m.GetDouble() : double.NaN;
                        Evaluations.Add((epoch, step, monitored, loss));
                        _loggedEvaluations.Add(step);
                        break;
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A message, or a record of another shape: not part of the series.
            }
        }
    }

    public string FilePath { get; }

    /// <summary>Mean training loss per epoch, in epoch order.</summary>
    public IReadOnlyList<(int Epoch, double Loss)> EpochLosses => _epochLoss.OrderBy(e => e.Key).Select(e => (e.Key, e.Value.Sum / e.Value.Count)).ToList();

    /// <summary>The monitored validation metric at each evaluation.</summary>
    public List<(int Epoch, long Step, double Value, double? Loss)> Evaluations { get; } = [];

    public void OnStep(TrainingStepInfo step)
    {
        var (sum, count) = _epochLoss.GetValueOrDefault(step.Epoch);
        _epochLoss[step.Epoch] = (sum + step.Loss, count + 1);
        Write(new { type = "step", step.Epoch, step.Step, step.Loss, learning_rate = step.LearningRate, grad_norm = step.GradNorm, samples_per_second = step.SamplesPerSecond });
    }

    public void OnEvaluation(EvaluationInfo evaluation)
    {
        var r = evaluation.Report;
        // A finished contrastive run resumed to export again fits its head once more at its last step: the log holds
        // that evaluation already, and a second record of it would be copied beside every re-export.
        if (_loggedEvaluations.Contains(evaluation.Step))
        {
            Evaluations.RemoveAll(e => e.Step == evaluation.Step);
            Evaluations.Add((evaluation.Epoch, evaluation.Step, evaluation.MonitoredValue, r.Loss));
            return;
        }
        Evaluations.Add((evaluation.Epoch, evaluation.Step, evaluation.MonitoredValue, r.Loss));
        Write(new { type = "eval", evaluation.Epoch, evaluation.Step, loss = r.Loss, accuracy = r.Accuracy, macro_f1 = r.MacroF1, is_best = evaluation.IsBest, monitored = evaluation.MonitoredValue });
    }

    public void OnMessage(string message)
    {
        // A resumed run says again what it said before its checkpoint (a finished contrastive run re-exported fits and
        // reports its head once more): the log keeps one copy.
        if (_loggedMessages.Remove(message)) return;
        Write(new { type = "message", message });
    }

    /// <summary>
    /// Logs nothing: the stop is the console's and the service's to say. The log is the run's record, copied beside the
    /// exported model, and a resumed run continues it, so it must read as an uninterrupted run's; the trainer's default
    /// message ("Cancelled at step 12; checkpoint written to …") outlived the trim (it carries no step) and put the
    /// artifacts' absolute path, a fine-tuning store's included, into every model exported after a Ctrl+C or a pause.
    /// </summary>
    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory)
    {
    }

    /// <summary>
    /// Keeps the records up to <paramref name="step"/>: everything before the first record of a later step, or before a
    /// line a crash cut short. The file is replaced by a rename, so a crash while trimming leaves the old log. Returns
    /// the records kept.
    /// </summary>
    private static List<string> TrimAfter(string path, long step)
    {
        var kept = RecordsUpTo(path, step);
        var temporary = TemporarySiblings.For(path, "tmp", hidden: true);
        File.WriteAllLines(temporary, kept);
        File.Move(temporary, path, overwrite: true);
        TemporarySiblings.Release(temporary);
        return kept;
    }

    /// <summary>
    /// Writes to <paramref name="destination"/> the records of the log at <paramref name="path"/> up to
    /// <paramref name="step"/>, as a resumed run keeps them: an export of a checkpoint ships the run's log as far as the
    /// weights it exports, not the steps and evaluations a run killed after that checkpoint (or still training) logged.
    /// </summary>
    public static void CopyUpTo(string path, long step, string destination) => File.WriteAllLines(destination, RecordsUpTo(path, step));

    // Everything before the first record of a later step, or before a line a crash cut short.
    private static List<string> RecordsUpTo(string path, long step)
    {
        var kept = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (!IsAtOrBefore(line, step)) break;
            kept.Add(line);
        }
        return kept;
    }

    /// <summary>
    /// The validation metrics a log at <paramref name="path"/> holds for the evaluation at <paramref name="step"/>
    /// (accuracy, macro_f1, loss; NaN where the run logged one), or null when it logged none there (a checkpoint between evaluations). A resumed run
    /// may log a step twice; the later record is the one its checkpoint holds.
    /// </summary>
    public static Dictionary<string, double>? EvaluationAt(string path, long step)
    {
        if (!File.Exists(path)) return null;
        Dictionary<string, double>? found = null;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var record = JsonDocument.Parse(line);
                var e = record.RootElement;
                if (e.GetProperty("type").GetString() != "eval" || e.GetProperty("step").GetInt64() != step) continue;
                found = Enum.GetValues<ValidationMetric>().Select(ValidationMetricNames.Of)
                    .Select(name => (Name: name, Value: e.TryGetProperty(name, out var v) ? Figure(v) : null))
                    .Where(m => m.Value is not null)
                    .ToDictionary(m => m.Name, m => m.Value!.Value);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A line cut short by a kill, or one of another shape: not an evaluation.
            }
        }
        return found;
    }

    /// <summary>
    /// The learning rate the log at <paramref name="path"/> records for its last step at or before <paramref name="step"/>
    /// (the checkpoint a resumed run continues from), with that step; null when it logs none (no file, no step yet). A
    /// step logged twice (a resumed run's, after a kill) is the later record, as the checkpoint holds it.
    /// </summary>
    public static (long Step, double Rate)? LastLearningRate(string path, long step)
    {
        if (!File.Exists(path)) return null;
        (long Step, double Rate)? last = null;
        foreach (var line in RecordsUpTo(path, step))
        {
            try
            {
                using var record = JsonDocument.Parse(line);
                var e = record.RootElement;
                if (e.GetProperty("type").GetString() == "step")
                    last = (e.GetProperty("step").GetInt64(), e.GetProperty("learning_rate").GetDouble());
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A record of another shape: not a step.
            }
        }
        return last;
    }

    /// <summary>A logged figure: a number, or NaN or an infinity, which the log writes as a string (see <see cref="Json"/>); null for anything else.</summary>
    private static double? Figure(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double named)
            && !double.IsFinite(named) => named,
        _ => null,
    };

    private static bool IsAtOrBefore(string line, long step)
    {
        try
        {
            using var record = JsonDocument.Parse(line);
            return !record.RootElement.TryGetProperty("step", out var value) || value.GetInt64() <= step;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    private void Write(object record) => _writer.WriteLine(JsonSerializer.Serialize(record, Json));

    // A diverged run's NaN loss is logged as "NaN", not a serializer exception that ends the run.
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Dispose() => _writer.Dispose();
}
