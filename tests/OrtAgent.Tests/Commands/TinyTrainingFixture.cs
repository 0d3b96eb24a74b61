using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Commands;

/// <summary>A tiny BERT base model and small sentiment CSVs in its vocabulary, shared by the command tests.</summary>
public sealed class TinyTrainingFixture : IDisposable
{
    private static readonly string[] Positive = ["good", "great", "excellent", "love", "best", "nice", "fun", "happy"];
    private static readonly string[] Negative = ["bad", "terrible", "awful", "hate", "worst", "boring", "broken", "sad"];
    private static readonly string[] Filler = ["the", "movie", "food", "service", "was", "is", "very", "really", "product", "staff", "this", "it"];

    private readonly TempDirectory _root = new("train");

    public TinyTrainingFixture()
    {
        BaseModel = _root.Combine("tiny-base");
        TinyBertBuilder.WriteBaseModel(BaseModel);
        TrainCsv = WriteCsv("train.csv", 80, seed: 1);
        TestCsv = WriteCsv("test.csv", 40, seed: 2);
    }

    public string Root => _root.Path;

    public string BaseModel { get; }

    public string TrainCsv { get; }

    public string TestCsv { get; }

    /// <summary>Writes <paramref name="rows"/> labelled sentences: a sentiment word among filler words.</summary>
    public string WriteCsv(string name, int rows, int seed) =>
        Write(name, "text,label\n" + string.Concat(Sentences(rows, seed).Select(s => $"{s.Text},{s.Label}\n")));

    /// <summary>The same sentences in OpenAI's chat fine-tuning format, with a system prompt on every line.</summary>
    public string WriteChatJsonl(string name, int rows, int seed) =>
        Write(name, string.Concat(Sentences(rows, seed).Select(s =>
            $"{{\"messages\": [{{\"role\": \"system\", \"content\": \"Classify the sentiment.\"}}, {{\"role\": \"user\", \"content\": \"{s.Text}\"}}, {{\"role\": \"assistant\", \"content\": \"{s.Label}\"}}]}}\n")));

    private static IEnumerable<(string Text, string Label)> Sentences(int rows, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < rows; i++)
        {
            bool positive = i % 2 == 0;
            var words = Enumerable.Range(0, random.Next(3, 8)).Select(_ => Filler[random.Next(Filler.Length)]).ToList();
            var pool = positive ? Positive : Negative;
            words.Insert(random.Next(words.Count + 1), pool[random.Next(pool.Length)]);
            yield return (string.Join(' ', words), positive ? "positive" : "negative");
        }
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// A one-epoch run trained in <paramref name="workDir"/>, then left as a kill between a checkpoint save's two renames
    /// leaves it: its checkpoint moved to <c>checkpoint.old</c>, none in place.
    /// </summary>
    public async Task<(string Artifacts, string Checkpoint)> TrainWithASaveCutShortAsync(string workDir)
    {
        var run = await Infrastructure.CliRun.RunAsync(TrainArgs(workDir, "--epochs", "1"));
        Xunit.Assert.Equal(0, run.ExitCode);
        var artifacts = Path.Combine(workDir, "artifacts", "m");
        var checkpoint = Path.Combine(artifacts, OrtAgent.Training.Artifacts.TrainingArtifacts.CheckpointDirectoryName);
        Directory.Move(checkpoint, checkpoint + ".old");
        return (artifacts, checkpoint);
    }

    /// <summary>Arguments for a quick run on the tiny model writing under <paramref name="workDir"/>; options in <paramref name="extra"/> override the defaults.</summary>
    public string[] TrainArgs(string workDir, params string[] extra)
    {
        var options = new Dictionary<string, string>
        {
            // --min-steps 0: these runs take exactly the epochs they ask for (3 when left out). No --epochs here, which a
            // contrastive run refuses whatever its value.
            ["--data"] = TrainCsv, ["--base"] = BaseModel, ["--min-steps"] = "0", ["--batch-size"] = "8", ["--lr"] = "5e-3",
            ["--output"] = Path.Combine(workDir, "models", "m"), ["--artifacts-root"] = Path.Combine(workDir, "artifacts"),
        };
        for (int i = 0; i + 1 < extra.Length; i += 2) options[extra[i]] = extra[i + 1];
        return ["train", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    public void Dispose() => _root.Dispose();
}
