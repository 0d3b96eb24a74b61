using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Bench;

/// <summary>
/// Managed bytes allocated per unit of work on the hot paths (<c>--allocations</c>): prediction of 1, 8 and 64 texts,
/// an explanation, one standard and one contrastive stage-1 training step (batch 16, 64 tokens: collating, the step,
/// the optimizer), and the data pipeline (reading the embedded reviews, tokenizing and collating an epoch). Unlike
/// times on shared cores these figures are deterministic (to a few bytes of runtime bookkeeping), so a change that cuts
/// allocations shows as a before → after pair without A/B runs. Native (ONNX Runtime) memory is not counted.
/// </summary>
public static class AllocationBenchmark
{
    private const int BatchSize = 16;
    private const int SequenceLength = 64;

    public static int Execute(BenchOptions options)
    {
        var work = options.WorkFolder;
        var workspace = BenchWorkspace.Prepare(work, options.ModelsRoot);
        var rows = new List<(string Path, string Unit, long Bytes)>();
        void Add(string path, string unit, long bytes)
        {
            rows.Add((path, unit, bytes));
            Console.WriteLine($"{path,-44} {bytes,12:N0} bytes/{unit}");
        }
        var settings = options.SessionSettings;
        var reviews = Path.Combine(RepositoryRoot.Find(), "data", "reviews.csv");

        using (var classifier = TextClassifier.Load(workspace.ClassifierDirectory(int8: false),
                   new TextClassifierOptions { Session = settings, MaxBatchSize = 32, MaxLength = SequenceLength }))
        {
            foreach (var count in new[] { 1, 8, 64 })
            {
                var texts = Enumerable.Range(0, count).Select(i => InferenceBenchmark.Text(seed: i, words: 14)).ToArray();
                Add($"predict {count} text{(count == 1 ? "" : "s")}", "call", BytesPerCall(() => classifier.PredictBatch(texts), calls: 20));
            }
            var explained = InferenceBenchmark.Text(seed: 3, words: 14);
            Add("explain 1 text (16 steps)", "call", BytesPerCall(() => classifier.Explain(explained, new Runtime.Explanations.ExplainOptions { Steps = 16 }), calls: 5));
        }

        var encoder = BertTextEncoder.Create(Path.Combine(workspace.ClassifierDirectory(int8: false), ModelContract.VocabularyFile),
            new BertTextEncoderOptions { LowerCase = true, MaxLength = SequenceLength });
        var contents = LabeledTextFile.Read(reviews);
        var labels = contents.Examples.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var examples = contents.Examples.Select(e => (e.Text, labels.IndexOf(e.Label))).ToArray();
        Add($"read reviews.csv ({examples.Length} rows)", "read", BytesPerCall(() => LabeledTextFile.Read(reviews), calls: 5));
        var data = TokenizedDataset.Build(examples, encoder);
        Add($"tokenize + collate an epoch (batch {BatchSize})", "epoch", BytesPerCall(() => CollateEpoch(TokenizedDataset.Build(examples, encoder), encoder.PaddingTokenId), calls: 5));

        using (var session = TrainingSession.Create(workspace.Artifacts, settings))
        {
            var indices = Enumerable.Range(0, BatchSize).ToArray();
            var dropout = new Random(11);
            Add($"standard step (batch {BatchSize}, {SequenceLength} tokens)", "step", BytesPerCall(() =>
            {
                session.TrainStep(TrainingBatch.Collate(data, indices, encoder.PaddingTokenId), 1f, dropout);
                session.OptimizerStep(2e-5, 1.0);
            }, calls: 5));
        }

        var pairArtifactsDirectory = Path.Combine(work, "artifacts-pairs");
        if (Directory.Exists(pairArtifactsDirectory)) Directory.Delete(pairArtifactsDirectory, recursive: true);
        var pairArtifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = workspace.Artifacts.Properties.BaseModel,
            Labels = ["negative", "positive"],
            MaxLength = SequenceLength,
            LowerCase = true,
            BaseModelName = "minilm",
            Objective = TrainingObjective.PairSimilarity,
        }, pairArtifactsDirectory);
        using (var session = TrainingSession.Create(pairArtifacts, settings))
        {
            var pairs = new ContrastivePairSampler(1, seed: 42).Sample(Enumerable.Range(0, data.Count).Select(data.Label).ToArray()).Take(BatchSize).ToArray();
            int[] texts = [.. pairs.Select(p => p.First), .. pairs.Select(p => p.Second)];
            Add($"contrastive stage-1 step ({BatchSize} pairs)", "step", BytesPerCall(() =>
            {
                session.TrainStep(session.ReadsPairRows ? TrainingBatch.CollatePairs(data, texts, encoder.PaddingTokenId) : TrainingBatch.Collate(data, texts, encoder.PaddingTokenId));
                session.OptimizerStep(2e-5, 1.0);
            }, calls: 5));
        }
        Directory.Delete(pairArtifactsDirectory, recursive: true);

        if (options.JsonPath is { } json)
            FigureFile.Write(json, BenchWorkspace.MeasuredBuild(withCli: false), new Dictionary<string, object?>
            {
                ["settings"] = new Dictionary<string, object?> { ["batch"] = BatchSize, ["sequence"] = SequenceLength, ["threads"] = options.Threads, ["device"] = options.Device.ToString() },
                ["bytes_allocated"] = rows.Select(r => new Dictionary<string, object?> { ["path"] = r.Path, ["unit"] = r.Unit, ["bytes"] = r.Bytes }).ToList(),
            });
        return 0;
    }

    /// <summary>
    /// Managed bytes this thread allocates per call of <paramref name="work"/>, averaged over <paramref name="calls"/>
    /// after two warm-up calls (first calls plan, cache and fill pools). ONNX Runtime's own threads allocate no managed memory.
    /// </summary>
    public static long BytesPerCall(Action work, int calls)
    {
        work();
        work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) work();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    private static int CollateEpoch(TokenizedDataset data, int padId)
    {
        int rows = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            var indices = Enumerable.Range(start, Math.Min(BatchSize, data.Count - start)).ToArray();
            rows += TrainingBatch.Collate(data, indices, padId).Size;
        }
        return rows;
    }
}
