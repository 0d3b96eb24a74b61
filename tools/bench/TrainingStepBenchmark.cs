using System.Diagnostics;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Bench;

/// <summary>
/// One training step as the trainer runs it: <see cref="TrainingSession.TrainStep"/> (forward + backward) then
/// <see cref="TrainingSession.OptimizerStep"/> (clip + AdamW), on full-length rows (every token real).
/// </summary>
public static class TrainingStepBenchmark
{
    public static Dictionary<string, double> Run(TrainingArtifacts artifacts, BenchOptions options, int sequenceLength)
    {
        var settings = options.SessionSettings;
        using var session = TrainingSession.Create(artifacts, settings);
        var batch = FullLengthBatch(options.BatchSize, sequenceLength, seed: 7);
        var dropout = new Random(11);
        var total = new List<double>();
        var forwardBackward = new List<double>();
        var optimizer = new List<double>();
        for (int step = 0; step < options.WarmupSteps + options.Steps; step++)
        {
            long start = Stopwatch.GetTimestamp();
            session.TrainStep(batch, 1f, dropout);
            long afterTrain = Stopwatch.GetTimestamp();
            session.OptimizerStep(2e-5, 1.0);
            long end = Stopwatch.GetTimestamp();
            if (step < options.WarmupSteps) continue;
            forwardBackward.Add(Stopwatch.GetElapsedTime(start, afterTrain).TotalMilliseconds);
            optimizer.Add(Stopwatch.GetElapsedTime(afterTrain, end).TotalMilliseconds);
            total.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
        }
        double median = Samples.Median(total);
        return new()
        {
            ["ms_per_step"] = median,
            ["samples_per_s"] = options.BatchSize * 1000 / median,
            ["forward_backward_ms"] = Samples.Median(forwardBackward),
            ["optimizer_ms"] = Samples.Median(optimizer),
            ["min_ms_per_step"] = total.Min(),
            ["steps"] = total.Count,
            ["peak_rss_mib"] = PeakMemory.PeakResidentMiB(),
        };
    }

    /// <summary>A batch of random word-piece ids (no padding) and random binary labels; the same for a given seed.</summary>
    public static TrainingBatch FullLengthBatch(int size, int sequenceLength, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, size).Select(_ =>
        {
            var row = new int[sequenceLength];
            for (int i = 1; i < sequenceLength - 1; i++) row[i] = random.Next(1000, 30000);
            (row[0], row[^1]) = (101, 102); // [CLS] … [SEP]
            return row;
        }).ToArray();
        var labels = Enumerable.Range(0, size).Select(_ => (long)random.Next(2)).ToArray();
        return new TrainingBatch(Runtime.Text.EncodedBatch.FromTokenIds(size, r => rows[r], 0), labels);
    }
}
