using System.Reflection;
using System.Text.RegularExpressions;
using OrtAgent.Cli;
using OrtAgent.Distillation;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Cli;

/// <summary>
/// A resumed run keeps what it began with: the settings its artifacts fix and those it recorded (RecordedSettings:
/// every FineTuningOptions and ContrastiveOptions setting but how often steps are logged; ResumedRunCheck,
/// DistillationJob). The help said "[default: 16]", "[default: 0.07]"… for them, which a resumed run left without the
/// option belies. Every option a job's options hold is taken for one a resumed run keeps, unless named here as applying
/// to every run, so a new setting is worded, or named here, and the help and the resumed run cannot drift apart.
/// </summary>
public sealed class ResumeKeptHelpTests
{
    // What a resumed run takes from the command line as for any run: the columns (detected in the file the run
    // recorded), where ONNX Runtime runs, the run to resume and, for a new run only, the model to start from and the
    // model to replace.
    private static readonly HashSet<string> EveryRun =
    [
        Name<TrainJobOptions>(nameof(TrainJobOptions.TextColumn)), Name<TrainJobOptions>(nameof(TrainJobOptions.LabelColumn)),
        Name<TrainJobOptions>(nameof(TrainJobOptions.Session)), Name<TrainJobOptions>(nameof(TrainJobOptions.ResumeFrom)),
        Name<TrainJobOptions>(nameof(TrainJobOptions.InitFrom)), Name<TrainJobOptions>(nameof(TrainJobOptions.PromoteTo)),
        Name<TrainJobOptions>(nameof(TrainJobOptions.Given)),
        Name<DistillJobOptions>(nameof(DistillJobOptions.TextColumn)), Name<DistillJobOptions>(nameof(DistillJobOptions.LabelColumn)),
        Name<DistillJobOptions>(nameof(DistillJobOptions.Session)), Name<DistillJobOptions>(nameof(DistillJobOptions.ResumeFrom)),
        Name<DistillJobOptions>(nameof(DistillJobOptions.Given)),
    ];

    // The settings types a job's options hold whole, each recorded or fixed by the run's artifacts setting by setting.
    private static readonly Type[] Nested = [typeof(FineTuningOptions), typeof(ContrastiveOptions), typeof(LoraOptions), typeof(DistillationOptions)];

    private static readonly Regex Default = new(@"\[default: [^\]]*\]", RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("train", typeof(TrainJobOptions))]
    [InlineData("distill", typeof(DistillJobOptions))]
    public async Task EveryOptionAResumedRunKeepsSaysSoWhereItsHelpNamesADefault(string command, Type jobOptions)
    {
        var run = await CliRun.RunAsync([command, "--help"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n').Select(line => line.Trim()).ToList();

        var flags = KeptSettings(jobOptions).Select(OptionFlags.InText).Where(flag => flag.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
        var belied = new List<string>();
        foreach (var flag in flags)
        {
            var line = Assert.Single(lines, l => l.StartsWith(flag + " ", StringComparison.Ordinal));
            if (Default.Matches(line).Any(d => !d.Value.Contains("--resume", StringComparison.Ordinal) && !d.Value.Contains("resumed run", StringComparison.Ordinal)))
                belied.Add(line);
        }

        Assert.True(flags.Count >= 20, string.Join(", ", flags));
        Assert.True(belied.Count == 0, "a default a resumed run does not take:\n" + string.Join("\n", belied));
    }

    /// <summary>Every setting of <paramref name="jobOptions"/> not in <see cref="EveryRun"/>, as <c>Type.Property</c>, nested settings one by one.</summary>
    private static IEnumerable<string> KeptSettings(Type jobOptions) =>
        Settings(jobOptions).Where(name => !EveryRun.Contains(name));

    private static IEnumerable<string> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            // As RecordedSettings.Changes compares them: how often steps are logged may change.
            .Where(property => property.CanWrite && property.Name != nameof(FineTuningOptions.LogEverySteps))
            .SelectMany(property => Nested.Contains(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)
                ? Settings(property.PropertyType)
                : [$"{type.Name}.{property.Name}"]);

    private static string Name<T>(string property) => InvalidOptionException.Name<T>(property);
}
