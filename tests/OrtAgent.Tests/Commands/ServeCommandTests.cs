using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;
using OrtAgent.Commands;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

public sealed class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task AMissingModelIsOneLineAndExitCode2()
    {
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("none"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("does not exist", Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("--max-batch", "0", "error: --max-batch 0: must be at least 1")]
    [InlineData("--max-wait-ms", "-1", "error: --max-wait-ms -1: must be between 0 and 10000 (milliseconds); see 'ortagent serve --help'")]
    [InlineData("--max-wait-ms", "2000000", "error: --max-wait-ms 2000000: must be between 0 and 10000 (milliseconds); see 'ortagent serve --help'")]
    [InlineData("--max-inputs", "0", "error: --max-inputs 0: must be at least 1")]
    [InlineData("--max-chars", "0", "error: --max-chars 0: must be at least 1")]
    [InlineData("--max-queue", "0", "error: --max-queue 0: must be at least 1")]
    [InlineData("--threads", "-1", "error: --threads -1: must be 0 (automatic) to 1024")]
    [InlineData("--threads", "99999", "error: --threads 99999: must be 0 (automatic) to 1024")]
    [InlineData("--allow-origin", "http://localhost:5173/",
        "error: --allow-origin 'http://localhost:5173/': an origin has no path, query or fragment, not even a trailing '/'; give scheme://host[:port] with http or https, for example http://localhost:5173")]
    [InlineData("--allow-origin", "*",
        "error: --allow-origin '*': lets the pages of every site call the server, so it needs API keys, --api-key or --inference-api-key (a page without a key can then do nothing); or name the origins instead")]
    public async Task AnOutOfRangeOptionIsAUserErrorNamingTheFlag(string option, string value, string line)
    {
        Directory.CreateDirectory(_work.Combine("m"));
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0", option, value]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(line, Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData(new[] { "serve" }, "serve needs --model DIR (or --fine-tuning)")]
    [InlineData(new[] { "serve", "--model", "a", "--model", "b" }, "serve takes one --model; several are served with --fine-tuning")]
    [InlineData(new[] { "serve", "--fine-tuning", "--base-model", "tiny" }, "--base-model tiny: expected NAME=DIR")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-concurrent-jobs", "0" }, "--max-concurrent-jobs 0: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-queued-jobs", "0" }, "--max-queued-jobs 0: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--threads", "-1" }, "--threads -1: must be 0 (automatic) to 1024")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-loaded-models", "0" }, "--max-loaded-models 0: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-loaded-models", "-3" }, "--max-loaded-models -3: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-loaded-models", "eight" }, "--max-loaded-models 'eight': expected a whole number; see 'ortagent serve --help'")]
    [InlineData(new[] { "serve", "--fine-tuning", "--allow-origin", "app.example.com" },
        "--allow-origin 'app.example.com': not an origin; give scheme://host[:port] with http or https, for example http://localhost:5173")]
    [InlineData(new[] { "serve", "--model", "m", "--store", "s" }, "--store applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--base-model", "tiny=dir" }, "--base-model applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--max-concurrent-jobs", "2" }, "--max-concurrent-jobs applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--max-queued-jobs", "5" }, "--max-queued-jobs applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--metrics-every", "5" }, "--metrics-every applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--max-loaded-models", "2" }, "--max-loaded-models applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--api-key", "good", "--api-key", "secret-key " },
        "--api-key 'key 2 of 2, not shown': begins or ends with whitespace, and the key a request presents is trimmed, so it could never match; give it without the whitespace")]
    [InlineData(new[] { "serve", "--model", "m", "--max-connections", "0" }, "--max-connections 0: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-connections", "-5" }, "--max-connections -5: must be at least 1")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-connections", "many" }, "--max-connections 'many': expected a whole number; see 'ortagent serve --help'")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-store-bytes", "20X" }, "--max-store-bytes '20X': expected a whole number of bytes, or of KiB, MiB, GiB or TiB with K, M, G or T after it (20G)")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-store-bytes", "0" }, "--max-store-bytes 0: must be at least 1")]
    [InlineData(new[] { "serve", "--model", "m", "--max-body-bytes", "8" }, "--max-body-bytes 8: must be at least 16")]
    [InlineData(new[] { "serve", "--fine-tuning", "--max-store-bytes", "99999999T" }, "--max-store-bytes '99999999T': too large; give at most 8388607T")]
    [InlineData(new[] { "serve", "--model", "m", "--max-store-bytes", "20G" }, "--max-store-bytes applies to the fine-tuning service; add --fine-tuning to run it")]
    // Only the service pulls base models; serving --model read every command's --models-root and ignored it.
    [InlineData(new[] { "serve", "--model", "m", "--models-root", "models" }, "--models-root applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData(new[] { "serve", "--model", "m", "--urls", "http://127.0.0.1:5099", "http://127.0.0.1:5099/" }, "--urls 'http://127.0.0.1:5099': given twice; give each address once")]
    // Two addresses of one port failed at the bind, "address already in use", as if something else held it; a ';' list
    // (as ASPNETCORE_URLS is written) was one address with a path.
    [InlineData(new[] { "serve", "--model", "m", "--urls", "http://127.0.0.1:5098;http://127.0.0.1:5098" }, "--urls 'http://127.0.0.1:5098': given twice; give each address once")]
    [InlineData(new[] { "serve", "--model", "m", "--urls", "http://0.0.0.0:5097;http://127.0.0.1:5097" },
        "--urls names port 5097 twice ('http://0.0.0.0:5097' and 'http://127.0.0.1:5097' both listen on it); give each port once (0.0.0.0 or [::] alone listens on every address)")]
    [InlineData(new[] { "serve", "--model", "m", "--urls", "http://localhost:5096", "http://[::1]:5096" },
        "--urls names port 5096 twice ('http://localhost:5096' and 'http://[::1]:5096' both listen on it)")]
    [InlineData(new[] { "serve", "--model", "m", "--urls", "http://[::]:5095", "https://0.0.0.0:5095" }, "--urls names port 5095 twice")]
    public async Task ServeOptionMistakesAreOneLineAndExitCode2(string[] args, string expected)
    {
        // The service's store, only where the service runs: without --fine-tuning it is one of the mistakes.
        string[] store = args.Contains("--fine-tuning") ? ["--store", _work.Combine("store")] : [];
        // A mistake let through would start a server that runs until stopped: stopped here, it fails on its exit code.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = await CliRun.RunAsync([.. args, .. store, "--urls", "http://127.0.0.1:0"], stop.Token);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("foo", "absent", "base model directory '{0}' does not exist")]
    [InlineData("minilm", "absent", "'minilm' is a packaged base model; give this one another name")]
    [InlineData("a:b", "absent", "a base model's name holds no ':', '/' or space (fine-tuned models are named ft:BASE:SUFFIX:JOB)")]
    [InlineData("data", "train.csv", "is a file; a base model is a directory holding model.onnx and vocab.txt")]
    public async Task ABaseModelThatCannotBeFineTunedStopsTheServiceAtStart(string name, string directory, string problem)
    {
        // A job naming it was accepted, then failed once it ran, blaming its training file.
        var full = _work.Combine(directory);
        if (directory.EndsWith(".csv")) File.WriteAllText(full, "text,label\n");
        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", _work.Combine("store"), "--base-model", $"{name}={full}", "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --base-model {name}={full}: {string.Format(problem, full)}", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task AStoreInAFolderOfOtherFilesIsRefused()
    {
        // Opened in a model's folder, the store spread its database and folders among the model's files.
        var folder = Directory.CreateDirectory(_work.Combine("a-model")).FullName;
        File.WriteAllText(Path.Combine(folder, "model.onnx"), "weights");

        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", folder, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --store {folder}: holds files the fine-tuning service did not make ('model.onnx') and no ortagent.db; "
            + "a store needs a folder of its own (new, empty, or an earlier store)", Assert.Single(run.ErrorLines));
        Assert.Equal(["model.onnx"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
    }

    /// <summary>Hidden entries were not counted: a folder of only .git and .env (a home folder too) took the store's files beside them.</summary>
    [Fact]
    public async Task AStoreInAFolderOfOnlyHiddenEntriesIsRefused()
    {
        var folder = Directory.CreateDirectory(_work.Combine("a-repository")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, ".git"));
        File.WriteAllText(Path.Combine(folder, ".env"), "S=1\n");

        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", folder, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --store {folder}: holds files the fine-tuning service did not make ('.env', '.git') and no ortagent.db; "
            + "a store needs a folder of its own (new, empty, or an earlier store)", Assert.Single(run.ErrorLines));
        Assert.Equal([".env", ".git"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>A store a newer OrtAgent wrote stops the service in one line naming its version and the build to use.</summary>
    [Fact]
    public async Task AStoreFromANewerOrtAgentStopsTheServiceInOneLine()
    {
        string folder = Path.GetFullPath(_work.Combine("newer-store"));
        FineTuningStore.Open(folder).Dispose();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "ortagent.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {StoreDatabase.CurrentVersion + 1};";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", folder, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: " + FineTuningStoreOpenTests.NewerStoreMessage(folder), Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A start refused after the store was opened (at the bind: 192.0.2.1, an address this machine lacks, passes the
    /// early check for an address in use) left an earlier store's database migrated, so the build before could no
    /// longer open it. It stops in one line, and the store is as it was, byte for byte.
    /// </summary>
    [Fact]
    public async Task AStartRefusedAtTheBindIsOneLineAndLeavesAnEarlierStoreAsItWas()
    {
        string folder = Path.GetFullPath(_work.Combine("earlier-store"));
        FineTuningStoreOpenTests.MakeVersionOneStore(folder);
        var before = TreeSnapshot.Take(folder);

        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", folder, "--urls", "http://192.0.2.1:8080"]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: --urls 'http://192.0.2.1:8080': cannot listen: ", Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(folder));
    }

    [Fact]
    public void AStoreOnItsOwnDiskOpensBesideLostAndFoundAndHiddenFiles()
    {
        var folder = Directory.CreateDirectory(_work.Combine("disk")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "lost+found"));
        File.WriteAllText(Path.Combine(folder, ".DS_Store"), "");

        using var store = OrtAgent.FineTuningService.Store.FineTuningStore.Open(folder);

        Assert.True(File.Exists(Path.Combine(folder, "ortagent.db")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    public void AnApiKeysVariableHoldingNoKeyIsRefusedNotTakenForNone(string value)
    {
        // Meant to protect the server, it served everyone without keys.
        using var child = new IsolatedChildProcess();
        child.Environment[ServeCommand.ApiKeysVariable] = value;

        var run = child.Run("serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: ORTAGENT_API_KEYS is set but holds no key ('{value}'); give keys separated by commas, or unset it to serve without keys",
            run.Error.TrimEnd('\n'));
    }

    /// <summary>
    /// Listening beyond loopback without keys is allowed but said on stderr, naming the address and what anyone who
    /// reaches it can do. (A fake service reports the addresses: tests listen on loopback only.)
    /// </summary>
    [Theory]
    [InlineData(new[] { "--model", "m", "--urls", "http://0.0.0.0:8080" },
        "warning: http://0.0.0.0:8080 is not a loopback address and no API key is set: anyone who can reach it can classify and explain texts with the model and read its details; give --api-key, --api-key-file or ORTAGENT_API_KEYS (or the inference-key options)")]
    [InlineData(new[] { "--fine-tuning", "--urls", "http://127.0.0.1:8080", "http://*:8081" },
        "warning: http://*:8081 is not a loopback address and no API key is set: anyone who can reach it can upload files, download the training data, start and cancel jobs, delete files and models; give --api-key, --api-key-file or ORTAGENT_API_KEYS (or the inference-key options)")]
    [InlineData(new[] { "--model", "m", "--urls", "http://0.0.0.0:8080", "--api-key", "k" }, null)]
    [InlineData(new[] { "--model", "m", "--urls", "http://localhost:8080", "http://[::1]:8081" }, null)]
    // A Unix socket's file permissions say who reaches it: no network, no warning.
    [InlineData(new[] { "--model", "m", "--urls", "http://unix:/tmp/ortagent.sock" }, null)]
    public async Task ANonLoopbackAddressWithoutKeysIsWarnedOf(string[] args, string? warning)
    {
        var run = await CliRun.RunAsync(["serve", .. args], configureServices: services => services.AddSingleton<IServingService>(new ReportingOnlyService()));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(warning is null ? [] : [warning], run.ErrorLines);
    }

    /// <summary>
    /// A store holds uploaded training data, the database and the trained models, all readable through its folder: one
    /// that other users may enter (made before new stores were their owner's alone, or by hand) is warned of at start,
    /// with its mode and the remedy, and left as it is; a store that is its owner's alone is not.
    /// </summary>
    [UnixTheory("file modes")]
    [InlineData(0b111_101_101, "rwxr-xr-x")]
    [InlineData(0b111_000_001, "rwx-----x")]
    [InlineData(0b111_000_000, null)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AStoreOtherUsersCanEnterIsWarnedOfAtStart(int mode, string? shown)
    {
        string store = _work.Combine("store");
        Directory.CreateDirectory(store);
        File.SetUnixFileMode(store, (UnixFileMode)mode);

        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", store],
            configureServices: services => services.AddSingleton<IServingService>(new ReportingOnlyService()));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(shown is null ? [] : [$"warning: --store {store} is open to other users of this machine ({shown}): they can read its uploaded training data, "
            + $"database and models; make it yours alone with chmod 700 {store}"], run.ErrorLines);
        Assert.Equal((UnixFileMode)mode, File.GetUnixFileMode(store));
    }

    [Theory]
    [InlineData("--model", "m")]
    [InlineData("--fine-tuning")]
    public async Task EveryAllowedOriginReachesTheServer(params string[] server)
    {
        var service = new ReportingOnlyService();
        var run = await CliRun.RunAsync(["serve", .. server, "--allow-origin", "http://localhost:5173", "--allow-origin", "https://app.example.com"],
            configureServices: services => services.AddSingleton<IServingService>(service));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["http://localhost:5173", "https://app.example.com"], service.Served!.AllowedOrigins);
    }

    /// <summary>serve had no way to change the 1 MiB body limit: --max-body-bytes sets it, and without it the limit follows --max-inputs and --max-chars.</summary>
    [Theory]
    [InlineData(new[] { "--max-body-bytes", "16M" }, 16L << 20)]
    [InlineData(new[] { "--max-inputs", "2", "--max-chars", "100000" }, 2L * (100_000 * 12 + 3) + 64 * 1024)]
    public async Task TheBodyLimitReachesTheServer(string[] limits, long expected)
    {
        var service = new ReportingOnlyService();
        var run = await CliRun.RunAsync(["serve", "--model", "m", .. limits], configureServices: services => services.AddSingleton<IServingService>(service));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, service.Served!.BodyLimitBytes);
    }

    /// <summary>
    /// A SIGTERM to a listening server said "the command stops at its next safe point", words for a training run: it
    /// says now that the requests in flight are answered, for how long at most, and what a Ctrl+C then cuts off.
    /// </summary>
    [Fact]
    public async Task AStopOnceListeningSaysTheRequestsInFlightAreAnswered()
    {
        var notice = new StopNotice();
        string? beforeListening = null;
        var service = new ReportingOnlyService(beforeListening: () => beforeListening = notice.StoppingLineFor(interrupt: false));
        var run = await CliRun.RunAsync(["serve", "--model", "m"], configureServices: services =>
        {
            services.AddSingleton<IServingService>(service);
            services.AddSingleton(notice);
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        // Before it listens a stop cancels the start, which the generic words describe.
        Assert.Equal("stopping: the command stops at its next safe point (Ctrl+C (SIGINT) stops at once)", beforeListening);
        Assert.Equal("stopping: the server answers the requests in flight, for at most 30 s, then exits (Ctrl+C (SIGINT) stops at once, cutting off the requests still in flight)",
            notice.StoppingLineFor(interrupt: false));
        Assert.Equal("stopped at once: the requests still in flight were cut off", notice.StoppedAtOnceLine);
    }

    /// <summary>
    /// A SIGTERM to a listening fine-tuning service said the generic "the command stops at its next safe point", where
    /// serve's says what happens to the requests in flight; the service's also says what happens to its running jobs.
    /// </summary>
    [Fact]
    public async Task AStopOnceAFineTuningServiceListensSaysTheRequestsAndJobsAreSeenTo()
    {
        var notice = new StopNotice();
        var service = new ReportingOnlyService();
        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", _work.Combine("stop-store")], configureServices: services =>
        {
            services.AddSingleton<IServingService>(service);
            services.AddSingleton(notice);
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("stopping: the server answers the requests in flight and running jobs checkpoint at their next optimizer step, for at most 30 s, then exits "
            + "(Ctrl+C (SIGINT) stops at once, cutting off the requests still in flight; running jobs resume from their last checkpoint when the service starts again)",
            notice.StoppingLineFor(interrupt: false));
        Assert.Equal("stopped at once: the requests still in flight were cut off; running jobs resume from their last checkpoint when the service starts again", notice.StoppedAtOnceLine);
    }

    /// <summary>The start line of a fine-tuning service named its store alone, not the <c>--model</c> models it also serves.</summary>
    [Fact]
    public async Task AFineTuningServiceNamesTheModelsItServesBesideItsOwn()
    {
        string store = _work.Combine("store");
        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", store, "--model", _work.Combine("reviews"), "--model", _work.Combine("tickets") + "/"],
            configureServices: services => services.AddSingleton<IServingService>(new ReportingOnlyService()));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"serving the fine-tuning service from {store} and the models reviews, tickets on http://127.0.0.1:8080 (", run.Output);
    }

    [Fact]
    public async Task AModelDirectoryThatCannotBeServedStopsTheFineTuningServiceAtStart()
    {
        Directory.CreateDirectory(_work.Combine("empty"));
        var run = await CliRun.RunAsync(["serve", "--fine-tuning", "--store", _work.Combine("store"), "--model", _work.Combine("empty"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: --model {_work.Combine("empty")}:", Assert.Single(run.ErrorLines));
    }
}
