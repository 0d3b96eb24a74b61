using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>
/// A resumed run (<c>train</c>'s or <c>distill</c>'s) that records no settings: <c>settings.json</c> came on 2026-12-04,
/// so an older build began it. Its schedule is then what the command gives and this build's defaults for the rest,
/// which need not be what it began with: the first command's flags are not given again, and defaults have changed since
/// (LoRA's rate, contrastive pair rounds raised to the minimum steps). A schedule planned over other steps or from another
/// peak jumps at the next step, without a word. The run's <c>metrics.jsonl</c> logs the rate of each step it took, so
/// the rate it stopped at is checked against the plan: a mismatch is refused, naming <c>--min-steps 0</c> where that
/// plan gives the logged rate (the setting most often given to an older run and left out on resuming), else the flags
/// that decide the schedule. It is not taken on its own: a rate logged in warmup fits several plans, so a guess could
/// still resume on another schedule than the run's. A plan that agrees is said in one warning naming the settings taken
/// from defaults, and the caller records them, so later resumes keep them rather than guessing again.
/// </summary>
internal static class UnrecordedSettings
{
    /// <summary>Who began a run with no settings record, as messages say it.</summary>
    public const string BegunBy = "begun by a build older than 2026-12-04";

    /// <summary>
    /// A setting that decides the run's schedule, as the resumed run takes it: the option (<c>Type.Property</c>), its
    /// value, and where a value not given comes from when not from this build's defaults.
    /// </summary>
    public sealed record Setting(string Option, string Value, string? Source = null);

    /// <summary>
    /// The learning rate of a resumed run's plan against the one its log records at the step it continues from.
    /// </summary>
    /// <param name="resume">The run's artifacts.</param>
    /// <param name="planned">The schedule the resumed run would train by.</param>
    /// <param name="settings">The settings that decide <paramref name="planned"/>, as the resumed run takes them.</param>
    /// <param name="withoutMinimumSteps">
    /// The minimum-steps option and the schedule the same settings give with it 0, where it was left out and is not 0;
    /// null otherwise.
    /// </param>
    /// <returns>The step whose logged rate the plan gives; null when there is none to check (no step logged, or a finished run, which takes no step).</returns>
    /// <exception cref="UserInputException">The plan gives another rate than the run logged.</exception>
    public static long? CheckRate(TrainingArtifacts resume, LearningRateSchedule planned, IReadOnlyList<Setting> settings,
        (string Option, LearningRateSchedule Schedule)? withoutMinimumSteps)
    {
        var state = File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;
        if (state is null || state.Finished) return null;
        if (MetricsLog.LastLearningRate(Path.Combine(resume.Directory, MetricsLog.FileName), state.Step) is not var (step, logged)) return null;
        if (Same(planned.RateAt(step - 1), logged)) return step;
        string problem = $"--resume {resume.Directory}: the run records no settings ({BegunBy}), and the learning rate it logged at step {step} ({Rate(logged)}) "
            + $"is not the {Rate(planned.RateAt(step - 1))} that {List(settings.Select(Spelled))} give it ({planned.TotalSteps} steps in all)";
        if (withoutMinimumSteps is var (option, schedule) && Same(schedule.RateAt(step - 1), logged))
            throw new UserInputException(OptionFlags.InText($"{problem}; {option} 0 gives it ({schedule.TotalSteps} steps in all): give {option} 0 to resume the run on its own schedule"));
        throw new UserInputException(OptionFlags.InText($"{problem}: give the {List(settings.Select(s => s.Option))} it began with"));
    }

    /// <summary>
    /// The warning of a resumed run with no settings record, naming the settings that decide its schedule and were not
    /// given (taken from this build's defaults, or where <see cref="Setting.Source"/> says); null when every one was given.
    /// </summary>
    /// <param name="artifactsDirectory">The run's artifacts.</param>
    /// <param name="notGiven">The settings the command did not give.</param>
    /// <param name="checkedAt">The step whose logged rate they give (<see cref="CheckRate"/>), or null when none was checked.</param>
    public static string? Warning(string artifactsDirectory, IReadOnlyList<Setting> notGiven, long? checkedAt)
    {
        if (notGiven.Count == 0) return null;
        var parts = notGiven.Where(s => s.Source is null).Select(Spelled).ToList() is { Count: > 0 } defaults
            ? new List<string> { $"{List(defaults)} (this build's {(defaults.Count == 1 ? "default" : "defaults")})" }
            : [];
        parts.AddRange(notGiven.Where(s => s.Source is not null).Select(s => $"{Spelled(s)} ({s.Source})"));
        string agreement = checkedAt is long step ? $", which give the learning rate it logged at step {step}" : "";
        return OptionFlags.InText($"warning: the run in {artifactsDirectory} records no settings ({BegunBy}): it resumes with {List(parts)}{agreement}; "
            + $"its {TrainingArtifacts.SettingsRecordFile} records them now, so later resumes keep them");
    }

    /// <summary>
    /// <see cref="CheckRate"/> and <see cref="Warning"/> for <c>train --resume</c> of a run trained by
    /// <paramref name="method"/> on <paramref name="training"/>: standard fine-tuning's epochs, minimum steps, rate and
    /// batch size, or contrastive stage 1's pair rounds, epochs, minimum steps, rate and batch size.
    /// </summary>
    /// <returns>The warning, or null when every such setting was given.</returns>
    /// <exception cref="UserInputException">The settings give another rate than the run logged.</exception>
    public static string? ForTrain(TrainJobOptions options, TrainingArtifacts resume, TrainingMethod method, Training.Data.TokenizedDataset training)
    {
        Setting[] settings;
        LearningRateSchedule planned;
        (string, LearningRateSchedule)? withoutMinimumSteps = null;
        if (method == TrainingMethod.Contrastive)
        {
            var pairs = options.Contrastive;
            var labels = Enumerable.Range(0, training.Count).Select(training.Label).ToArray();
            settings =
            [
                Of<Training.Contrastive.ContrastiveOptions>(nameof(pairs.PairRounds), pairs.PairRounds),
                Of<Training.Contrastive.ContrastiveOptions>(nameof(pairs.Epochs), pairs.Epochs),
                Of<Training.Contrastive.ContrastiveOptions>(nameof(pairs.MinimumSteps), pairs.MinimumSteps),
                Of<Training.Contrastive.ContrastiveOptions>(nameof(pairs.LearningRate), pairs.LearningRate),
                Of<Training.Contrastive.ContrastiveOptions>(nameof(pairs.BatchSize), pairs.BatchSize),
            ];
            planned = pairs.ScheduleFor(labels);
            if (pairs.MinimumSteps != 0 && !Given(options.Given, settings[2].Option))
                withoutMinimumSteps = (settings[2].Option, (pairs with { MinimumSteps = 0 }).ScheduleFor(labels));
        }
        else
        {
            var loop = options.FineTuning;
            settings = LoopSettings(loop, resume.Properties.Lora is not null ? ResumedRunCheck.UnrecordedLoraRate : null);
            planned = loop.ScheduleFor(training.Count);
            if (loop.MinimumSteps != 0 && !Given(options.Given, settings[1].Option))
                withoutMinimumSteps = (settings[1].Option, (loop with { MinimumSteps = 0 }).ScheduleFor(training.Count));
        }
        long? step = CheckRate(resume, planned, settings, withoutMinimumSteps);
        return Warning(resume.Directory, settings.Where(s => !Given(options.Given, s.Option)).ToList(), step);
    }

    /// <summary><see cref="CheckRate"/> and <see cref="Warning"/> for <c>distill --resume</c>: the student's epochs, minimum steps, rate and batch size.</summary>
    /// <param name="loop">The run's loop settings, its rate resolved.</param>
    /// <param name="given">The options the command gave (<c>DistillJobOptions.Given</c>); null takes all as given.</param>
    /// <param name="resume">The run's artifacts.</param>
    /// <param name="trainingExamples">The examples the student trains on.</param>
    /// <returns>The warning, or null when every such setting was given.</returns>
    /// <exception cref="UserInputException">The settings give another rate than the run logged.</exception>
    public static string? ForDistill(FineTuningOptions loop, IReadOnlySet<string>? given, TrainingArtifacts resume, int trainingExamples)
    {
        var settings = LoopSettings(loop, loraRateSource: null);
        var withoutMinimumSteps = loop.MinimumSteps != 0 && !Given(given, settings[1].Option)
            ? (settings[1].Option, (loop with { MinimumSteps = 0 }).ScheduleFor(trainingExamples))
            : ((string, LearningRateSchedule)?)null;
        long? step = CheckRate(resume, loop.ScheduleFor(trainingExamples), settings, withoutMinimumSteps);
        return Warning(resume.Directory, settings.Where(s => !Given(given, s.Option)).ToList(), step);
    }

    // The loop's settings that decide its schedule: epochs, minimum steps, rate (resolved), batch size.
    private static Setting[] LoopSettings(FineTuningOptions loop, string? loraRateSource) =>
    [
        Of<FineTuningOptions>(nameof(loop.Epochs), loop.Epochs),
        Of<FineTuningOptions>(nameof(loop.MinimumSteps), loop.MinimumSteps),
        Of<FineTuningOptions>(nameof(loop.LearningRate), loop.LearningRate!.Value) with { Source = loraRateSource },
        Of<FineTuningOptions>(nameof(loop.BatchSize), loop.BatchSize),
    ];

    // Rates as --lr takes them (5e-3, not 0.005), as the card and help write them.
    private static Setting Of<TOptions>(string property, object value) =>
        new(InvalidOptionException.Name<TOptions>(property), value is double rate && property == nameof(FineTuningOptions.LearningRate) ? LearningRateText.Of(rate) : OptionFlags.Spell(value));

    // A host that does not say what it was given (a service's job) has every setting as it asked for it.
    private static bool Given(IReadOnlySet<string>? given, string option) => given?.Contains(option) ?? true;

    /// <summary>
    /// Whether two rates are the same: the log keeps each as the trainer computed it, and an older build computed it by
    /// the same formula, so only the last digits may differ.
    /// </summary>
    private static bool Same(double planned, double logged) => Math.Abs(planned - logged) <= 1e-6 * Math.Max(Math.Abs(planned), Math.Abs(logged));

    private static string Spelled(Setting setting) => $"{setting.Option} {setting.Value}";

    // Three significant digits, as the progress line shows rates: the difference is what matters, not the last digit.
    private static string Rate(double rate) => rate.ToString("0.##e+0", CultureInfo.InvariantCulture);

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count <= 1 ? string.Concat(all) : $"{string.Join(", ", all[..^1])} and {all[^1]}";
    }
}
