using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A teacher for the <c>distill</c> tests: a 4-layer tiny BERT fine-tuned by <c>train</c> on the tiny sentiment CSVs
/// (with a validation file, so its model card records both files), exported once per test class.
/// </summary>
public sealed class DistillTeacherFixture : IAsyncLifetime
{
    private readonly TinyTrainingFixture _data = new();

    public string Teacher => Path.Combine(_data.Root, "models", "teacher");

    public string Root => _data.Root;

    public string TrainCsv => _data.TrainCsv;

    public string TestCsv => _data.TestCsv;

    public async Task InitializeAsync()
    {
        var baseModel = Path.Combine(_data.Root, "tiny-base-4");
        TinyBertBuilder.WriteBaseModel(baseModel, new TinyBertOptions { Layers = 4, Seed = 3 });
        var run = await CliRun.RunAsync(_data.TrainArgs(_data.Root, "--base", baseModel, "--validation", _data.TestCsv, "--epochs", "4",
            "--output", Teacher, "--artifacts-root", Path.Combine(_data.Root, "artifacts")));
        if (run.ExitCode != 0) throw new InvalidOperationException("The teacher did not train: " + run);
    }

    /// <summary><c>distill</c> arguments for a quick run writing under <paramref name="workDir"/>; options in <paramref name="extra"/> override the defaults.</summary>
    public string[] DistillArgs(string workDir, params string[] extra)
    {
        var options = new Dictionary<string, string>
        {
            ["--teacher"] = Teacher, ["--layers"] = "2", ["--epochs"] = "3", ["--batch-size"] = "8", ["--lr"] = "5e-3",
            ["--output"] = Path.Combine(workDir, "models", "student"), ["--artifacts-root"] = Path.Combine(workDir, "artifacts"),
        };
        for (int i = 0; i + 1 < extra.Length; i += 2)
        {
            if (extra[i + 1] is null) options.Remove(extra[i]);
            else options[extra[i]] = extra[i + 1];
        }
        return ["distill", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }
}
