using System.Diagnostics;
using OrtAgent.Runtime;

namespace OrtAgent.Bench;

/// <summary>
/// <see cref="TextClassifier"/> end to end (tokenizing, the ONNX Runtime run, softmax and label mapping): sequences/s at
/// batch 32 on texts long enough to fill every position, and batch-1 latency on short texts of about 16 tokens.
/// </summary>
public static class InferenceBenchmark
{
    private static readonly string[] Words =
        ["the", "service", "was", "quick", "and", "friendly", "but", "food", "arrived", "cold", "after", "an", "hour", "of",
         "waiting", "so", "we", "asked", "for", "refund", "manager", "agreed", "next", "time", "will", "order", "elsewhere",
         "delivery", "driver", "lost", "receipt", "excellent", "pizza", "terrible", "coffee", "price", "great", "value"];

    public static Dictionary<string, double> Run(BenchWorkspace workspace, BenchOptions options, bool int8)
    {
        var results = new Dictionary<string, double>();
        var directory = workspace.ClassifierDirectory(int8);
        var settings = options.SessionSettings;
        foreach (var sequence in options.SequenceLengths)
        {
            using var classifier = TextClassifier.Load(directory,
                new TextClassifierOptions { Session = settings, MaxBatchSize = options.BatchSize, MaxLength = sequence });
            // Several hundred words tokenize past any sequence length measured, so every row is truncated to full length.
            var texts = Enumerable.Range(0, options.BatchSize).Select(i => Text(seed: i, words: sequence * 2)).ToArray();
            classifier.PredictBatch(texts); // warmup: first runs allocate and plan
            classifier.PredictBatch(texts);
            var times = new List<double>();
            for (int run = 0; run < options.InferenceRuns; run++)
            {
                long start = Stopwatch.GetTimestamp();
                classifier.PredictBatch(texts);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            results[$"seq_per_s_s{sequence}"] = options.BatchSize * 1000 / Samples.Median(times);
        }

        using (var classifier = TextClassifier.Load(directory, new TextClassifierOptions { Session = settings, MaxBatchSize = 1 }))
        {
            // 14 words plus [CLS] and [SEP]: about 16 tokens (a word may split into pieces).
            var texts = Enumerable.Range(0, options.LatencyRuns).Select(i => Text(seed: 1000 + i, words: 14)).ToArray();
            for (int i = 0; i < 10; i++) classifier.Predict(texts[i]);
            var latencies = new List<double>();
            foreach (var text in texts)
            {
                long start = Stopwatch.GetTimestamp();
                classifier.Predict(text);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            results["latency_p50_ms"] = Samples.Percentile(latencies, 50);
            results["latency_p99_ms"] = Samples.Percentile(latencies, 99);
        }
        results["peak_rss_mib"] = PeakMemory.PeakResidentMiB();
        return results;
    }

    /// <summary>A text of <paramref name="words"/> words drawn with <paramref name="seed"/> from a small restaurant vocabulary.</summary>
    internal static string Text(int seed, int words)
    {
        var random = new Random(seed);
        return string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
    }
}
