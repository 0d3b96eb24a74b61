using System.Globalization;

namespace OrtAgent.LoadTest;

/// <summary>Command-line settings of the load test; see README.md for the flags.</summary>
internal sealed class LoadTestOptions
{
    public Uri? Url { get; private set; }

    public double Seconds { get; private set; } = 10;

    public double WarmupSeconds { get; private set; } = 1;

    public int[] Clients { get; private set; } = [1, 8, 32];

    public string? ApiKey { get; private set; }

    public string? TextsFile { get; private set; }

    /// <summary>When set, host the toy model on <see cref="HostUrl"/> instead of generating load.</summary>
    public bool HostToyModel { get; private set; }

    public string HostUrl { get; private set; } = "http://127.0.0.1:8080";

    public int MaxBatch { get; private set; } = 32;

    public int MaxWaitMs { get; private set; } = 5;

    /// <exception cref="ArgumentException">An unknown flag or a value that does not parse.</exception>
    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--url": options.Url = new Uri(Next()); break;
                case "--seconds": options.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup-seconds": options.WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--clients": options.Clients = Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--api-key": options.ApiKey = Next(); break;
                case "--texts": options.TextsFile = Next(); break;
                case "--host-toy-model": options.HostToyModel = true; break;
                case "--urls": options.HostUrl = Next(); break;
                case "--max-batch": options.MaxBatch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--max-wait-ms": options.MaxWaitMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (!options.HostToyModel && options.Url is null) throw new ArgumentException("--url is required (or --host-toy-model)");
        if (options.Seconds <= 0 || options.Clients.Any(c => c < 1)) throw new ArgumentException("--seconds and --clients must be positive");
        return options;
    }
}
