using System.Globalization;
using OrtAgent.BaseModels;

namespace OrtAgent.FineTuningBench;

/// <summary>Command-line settings of the comparison; <see cref="Parse"/> refuses what it does not know.</summary>
internal sealed record FineTuningBenchOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project tools/fine-tuning-bench -- [--rounds 3] [--data data/reviews.csv] [--base minilm] [--job-timeout-minutes 30] [--json FILE] [--help]";

    /// <summary>A/B pairs (train, API job) timed; the median of their ratios is reported.</summary>
    public int Rounds { get; init; } = 3;

    public string Data { get; init; } = "data/reviews.csv";

    /// <summary>
    /// A packaged base model (<c>minilm</c>, <c>arctic-xs</c>): the API side's store is fresh and configures no other,
    /// so a directory that <c>train --base</c> would take could not be compared.
    /// </summary>
    public string BaseModel { get; init; } = "minilm";

    /// <summary>
    /// The longest one side of a round (a <c>train</c> process, or an API job from upload to success) may take before the
    /// comparison gives up: a job that never leaves "running" would otherwise be polled forever.
    /// </summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Where to write the printed figures as JSON, with the commit, build and machine they come from (<c>FigureFile</c>); none when null.</summary>
    public string? JsonPath { get; init; }

    /// <summary><c>--help</c>: print <see cref="Usage"/> and run nothing.</summary>
    public bool Help { get; init; }

    /// <exception cref="UserInputException">An unknown flag, a flag without its value, or a value out of range; the message names it.</exception>
    public static FineTuningBenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new FineTuningBenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new UserInputException($"{flag} needs a value");
            int Positive() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
                : throw new UserInputException($"{flag}: '{args[i]}' is not a whole number ≥ 1");
            options = flag switch
            {
                "--rounds" => options with { Rounds = Positive() },
                "--data" => options with { Data = Next() },
                "--base" => options with { BaseModel = PackagedBaseModelCatalog.Find(Next())?.Name
                    ?? throw new UserInputException($"--base: '{args[i]}' is not a packaged base model ({PackagedBaseModelCatalog.KnownNames}), the only ones both sides can train from") },
                "--job-timeout-minutes" => options with { JobTimeout = TimeSpan.FromMinutes(Positive()) },
                "--json" => options with { JsonPath = Next() },
                "--help" or "-h" => options with { Help = true },
                _ => throw new UserInputException($"unknown option '{flag}'"),
            };
        }
        return options;
    }
}
