using System.Text.Json;
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
    public const string FileName = "metrics.jsonl";

    public MetricsLog(string path, bool append)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append) { AutoFlush = true };
        FilePath = path;
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
        Evaluations.Add((evaluation.Epoch, evaluation.Step, evaluation.MonitoredValue, r.Loss));
        Write(new { type = "eval", evaluation.Epoch, evaluation.Step, loss = r.Loss, accuracy = r.Accuracy, macro_f1 = r.MacroF1, is_best = evaluation.IsBest });
    }

    public void OnMessage(string message) => Write(new { type = "message", message });

    private void Write(object record) => _writer.WriteLine(JsonSerializer.Serialize(record, Json));

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Dispose() => _writer.Dispose();
}
