using System.Globalization;
using System.Net;

namespace OrtAgent.LoadTest;

/// <summary>Command-line settings of the load test; see README.md for the flags.</summary>
internal sealed class LoadTestOptions
{
    public const string Usage =
        "usage: loadtest [--help] --url http://127.0.0.1:8080 [--seconds 10] [--warmup-seconds 1] [--clients 1,8,32] [--api-key KEY] [--texts FILE] [--json FILE]\n" +
        "       loadtest --host-toy-model [--urls http://127.0.0.1:8080] [--max-batch 32] [--max-wait-ms 5]\n" +
        "       loadtest --allocations [--model DIR] [--max-batch 32] [--max-wait-ms 5]";

    public Uri? Url { get; private set; }

    public double Seconds { get; private set; } = 10;

    public double WarmupSeconds { get; private set; } = 1;

    public int[] Clients { get; private set; } = [1, 8, 32];

    public string? ApiKey { get; private set; }

    public string? TextsFile { get; private set; }

    /// <summary>Where to write the printed figures as JSON, with the commit, build and machine they come from (<c>FigureFile</c>); none when null.</summary>
    public string? JsonPath { get; private set; }

    /// <summary>When set, host the toy model on <see cref="HostUrl"/> instead of generating load.</summary>
    public bool HostToyModel { get; private set; }

    /// <summary>Where the toy model is served: loopback addresses only (<see cref="Parse"/> refuses others).</summary>
    public string HostUrl { get; private set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// When set, serve <see cref="ModelDirectory"/> (or the toy model) in this process on a loopback port and print the
    /// managed bytes allocated per <c>/predict</c> and <c>/explain</c> request (<see cref="ServingAllocations"/>).
    /// </summary>
    public bool Allocations { get; private set; }

    /// <summary>The classifier <see cref="Allocations"/> serves; the toy model when null.</summary>
    public string? ModelDirectory { get; private set; }

    public int MaxBatch { get; private set; } = 32;

    public int MaxWaitMs { get; private set; } = 5;

    /// <summary><c>--help</c>: print <see cref="Usage"/> and run nothing.</summary>
    public bool Help { get; private set; }

    /// <exception cref="LoadTestUsageException">An unknown flag, a value that does not parse or is out of range, or a non-loopback <c>--urls</c>.</exception>
    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new LoadTestUsageException($"{flag} needs a value");
            int Count(int least) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= least ? v
                : throw new LoadTestUsageException($"{flag}: '{args[i]}' is not a whole number ≥ {least}");
            // NaN and ∞ parse as doubles but are no duration: TimeSpan.FromSeconds would throw mid-run.
            double Seconds(bool zeroAllowed) => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && (v > 0 || zeroAllowed && v == 0) ? v
                : throw new LoadTestUsageException($"{flag}: '{args[i]}' is not a finite number of seconds {(zeroAllowed ? "≥ 0" : "> 0")}");
            switch (flag)
            {
                case "--help" or "-h": options.Help = true; break;
                case "--url": options.Url = Uri.TryCreate(Next(), UriKind.Absolute, out var url) ? url : throw new LoadTestUsageException($"--url: '{args[i]}' is not an absolute URL"); break;
                case "--seconds": options.Seconds = Seconds(zeroAllowed: false); break;
                case "--warmup-seconds": options.WarmupSeconds = Seconds(zeroAllowed: true); break;
                case "--clients": options.Clients = Next().Split(',').Select(c => int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v
                    : throw new LoadTestUsageException($"--clients: '{c}' is not a whole number ≥ 1")).ToArray(); break;
                case "--api-key": options.ApiKey = Next(); break;
                case "--texts": options.TextsFile = Next(); break;
                case "--json": options.JsonPath = Next(); break;
                case "--host-toy-model": options.HostToyModel = true; break;
                case "--allocations": options.Allocations = true; break;
                case "--model": options.ModelDirectory = Next(); break;
                case "--urls": options.HostUrl = Next(); break;
                case "--max-batch": options.MaxBatch = Count(least: 1); break;
                case "--max-wait-ms": options.MaxWaitMs = Count(least: 0); break;
                default: throw new LoadTestUsageException($"unknown argument '{flag}'");
            }
        }
        if (options.Help) return options;
        if (!options.HostToyModel && !options.Allocations && options.Url is null) throw new LoadTestUsageException("--url is required (or --host-toy-model)");
        if (options.HostToyModel) RequireLoopback(options.HostUrl);
        if (options.HostToyModel && options.JsonPath is not null) throw new LoadTestUsageException("--json is for a load run: the toy-model host measures nothing");
        return options;
    }

    /// <summary>
    /// The toy-model host takes no API key, so it must not be reachable from other machines: every URL of
    /// <c>--urls</c> (separated by <c>;</c>, as ASP.NET Core takes them) must name localhost or a loopback address;
    /// wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>) listen on every interface and are refused.
    /// </summary>
    private static void RequireLoopback(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            bool loopback = Uri.TryCreate(url, UriKind.Absolute, out var uri)
                && (uri.Host == "localhost" || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
                throw new LoadTestUsageException($"--urls: '{url}' is not a loopback address; the toy-model host has no API key, so it serves on 127.0.0.1, [::1] or localhost only");
        }
    }
}
