using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Commands;
using OrtAgent.FineTuningService;
using OrtAgent.Serving;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>serve</c>'s keys of two kinds, from flags, files and variables: what reaches the server, what is refused at start
/// (exit 2, naming the option and never the key), and what the start line says.
/// </summary>
public sealed class ServeApiKeyOptionsTests : IDisposable
{
    private const string KeyA = "key-a-61c0f2", KeyB = "key-b-0a9d7e", KeyC = "key-c-5e3b18";

    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task KeyFilesSkipCommentsAndBlankLinesAndAddToTheFlags()
    {
        string full = Write("full.keys", $"# the operator's keys\n\n  {KeyA}  \r\n{KeyB}\n");
        string inference = Write("inference.keys", $"{KeyC}\n# {KeyA} was revoked\n");
        var service = new RecordingService();

        var run = await RunAsync(service, "--model", "m", "--api-key-file", full, "--inference-api-key-file", inference, "--inference-api-key", "key-d-77");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([KeyA, KeyB], service.Served!.ApiKeys);
        Assert.Equal(["key-d-77", KeyC], service.Served.InferenceApiKeys);
        Assert.Contains("(max batch 32, 2 full and 2 inference API key(s)); Ctrl+C stops", run.Output);
        AssertNoKeyIn(run);
    }

    /// <summary>A key given as a key file's path was printed in "no such file": a value with no path separator is not shown.</summary>
    [Theory]
    [InlineData("--api-key-file", "--api-key", false)]
    [InlineData("--inference-api-key-file", "--inference-api-key", false)]
    [InlineData("--api-key-file", "--api-key", true)]
    public async Task AKeyGivenAsAKeyFileIsNotShown(string flag, string keyFlag, bool base64WithSlash)
    {
        // A base64 key holds '/' about half the time: a path into a folder that does not exist.
        string key = base64WithSlash ? "Zk9v/YmFy+cXV4eg/c2VjcmV0LWtleQ==" : KeyA;

        var run = await RunAsync(new RecordingService(), "--model", "m", flag, key);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {flag}: the value ({key.Length} characters, not shown) is no file; {flag} takes a path, {keyFlag} a key", Assert.Single(run.ErrorLines));
        AssertNoKeyIn(run);
        Assert.DoesNotContain(run.ErrorLines, line => line.Contains(key, StringComparison.Ordinal));
    }

    /// <summary>A named pipe as a key file was opened and waited on for a writer: serve hung at start, saying nothing.</summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("--api-key-file")]
    [InlineData("--inference-api-key-file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AKeyFileThatIsAFifoIsRefusedAtOnce(string flag)
    {
        using var fifo = NotARegularFile.Create(_work.Combine("keys.fifo"), NotARegularFile.Fifo);

        // On a thread of its own: the build before blocked in the open, before any await.
        var run = await Task.Run(() => RunAsync(new RecordingService(), "--model", "m", flag, fifo.Path)).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {flag} '{fifo.Path}': is not a regular file (a FIFO); give the file that holds the keys", Assert.Single(run.ErrorLines));
    }

    /// <summary>"k2 # prod" on a line was taken as the key "k2 # prod": refused, naming the file and the line, not its text.</summary>
    [Theory]
    [InlineData("--api-key-file")]
    [InlineData("--inference-api-key-file")]
    public async Task AKeyFileLineWithWhitespaceInsideIsExit2NamingItsNumber(string flag)
    {
        string file = Write("commented.keys", $"# keys\n{KeyA}\n{KeyB} # prod\n");

        var run = await RunAsync(new RecordingService(), "--model", "m", flag, file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {flag} '{file}': line 3 holds whitespace inside its key (not shown); give one key a line, with '#' comments on lines of their own",
            Assert.Single(run.ErrorLines));
        AssertNoKeyIn(run);
    }

    /// <summary>A key file other users may read gives them its keys: warned at start, naming the file and the chmod that fixes it.</summary>
    [Theory]
    [InlineData("--api-key-file")]
    [InlineData("--inference-api-key-file")]
    public async Task AKeyFileOthersMayReadIsWarnedOf(string flag)
    {
        if (OperatingSystem.IsWindows()) return;
        const UnixFileMode ownerRead = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        string shared = Write("shared.keys", $"{KeyA}\n", ownerRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string own = Write("own.keys", $"{KeyB}\n");

        var run = await RunAsync(new RecordingService(), "--model", "m", flag, shared, flag, own);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"warning: {flag} {shared} is open to other users of this machine (rw-r--r--): they can read its keys; make it yours alone with chmod 600 {shared}",
            Assert.Single(run.ErrorLines));
        AssertNoKeyIn(run);
    }

    /// <summary>A key file others may only write was warned of as one they "can read"; they cannot, but can add their own key.</summary>
    [Theory]
    [InlineData(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite, "rw--w--w-", "add keys of their own (read at the next start)")]
    [InlineData(UnixFileMode.GroupRead | UnixFileMode.GroupWrite, "rw-rw----", "read its keys and add keys of their own (read at the next start)")]
    public async Task AKeyFileOthersMayWriteIsWarnedOfAsSuch(UnixFileMode others, string shown, string can)
    {
        if (OperatingSystem.IsWindows()) return;
        string shared = Write("shared.keys", $"{KeyA}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | others);

        var run = await RunAsync(new RecordingService(), "--model", "m", "--api-key-file", shared);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"warning: --api-key-file {shared} is open to other users of this machine ({shown}): they can {can}; make it yours alone with chmod 600 {shared}",
            Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("--api-key-file")]
    [InlineData("--inference-api-key-file")]
    public async Task AKeyFileThatCannotBeReadOrHoldsNoKeyIsExit2NamingIt(string flag)
    {
        string missing = _work.Combine("missing.keys");
        string empty = Write("empty.keys", $"# {KeyA} was revoked\n\n   \n");
        string directory = Directory.CreateDirectory(_work.Combine("keys")).FullName;

        var runs = new List<CliRun>();
        foreach (var path in new[] { missing, empty, directory })
            runs.Add(await RunAsync(new RecordingService(), "--model", "m", flag, path));

        Assert.All(runs, run => Assert.Equal(2, run.ExitCode));
        Assert.All(runs, AssertNoKeyIn);
        Assert.Equal($"error: {flag} '{missing}': no such file", Assert.Single(runs[0].ErrorLines));
        Assert.Equal($"error: {flag} '{empty}': holds no key (only blank lines and '#' comments); give one key a line", Assert.Single(runs[1].ErrorLines));
        Assert.Equal($"error: {flag} '{directory}': is a directory; give the file that holds the keys", Assert.Single(runs[2].ErrorLines));
    }

    /// <summary>
    /// A key given as both kinds would be a full key its holder took for an inference key: refused, naming where each
    /// was given (the flag and which of its values, the file and line), never the key. It said "key 3 of 4", counted
    /// across flags, files and variables together, which left the user to count.
    /// </summary>
    [Theory]
    [InlineData("flags")]
    [InlineData("files")]
    [InlineData("flag and file")]
    public async Task AKeyGivenAsBothKindsIsExit2NamingWhereEachWasGivenWithoutShowingIt(string where)
    {
        string full = Write("full.keys", $"# the operator's\n{KeyA}\n\n{KeyB}\n"), inference = Write("inference.keys", $"{KeyC}\n{KeyB}\n");
        string[] args = where switch
        {
            "flags" => ["--api-key", KeyA, "--api-key", KeyB, "--inference-api-key", KeyC, "--inference-api-key", KeyB],
            "files" => ["--api-key-file", full, "--inference-api-key-file", inference],
            _ => ["--api-key-file", full, "--inference-api-key", KeyB],
        };

        // The real service, which checks its options before it loads the model; were the mistake let through, it would
        // serve until stopped, and fail here on its exit code.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0", .. args], stop.Token);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(where switch
        {
            "flags" => "error: the 2nd --inference-api-key is also given as a full key (the 2nd --api-key); give each key once, as a full key or as an inference key",
            "files" => $"error: --inference-api-key-file '{inference}' line 2 is also given as a full key (--api-key-file '{full}' line 4); give each key once, as a full key or as an inference key",
            _ => $"error: the --inference-api-key is also given as a full key (--api-key-file '{full}' line 4); give each key once, as a full key or as an inference key",
        }, Assert.Single(run.ErrorLines));
        AssertNoKeyIn(run);
    }

    [Fact]
    public void TheInferenceKeysVariableIsTrimmedAndCheckedAgainstTheFullKeys()
    {
        using var child = new IsolatedChildProcess();
        child.Environment[ApiKeyCommandOptions.InferenceKeysVariable] = $" {KeyC} , {KeyA} ";

        var run = child.Run("serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0", "--api-key", KeyA);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: the 2nd key of ORTAGENT_INFERENCE_API_KEYS is also given as a full key (the --api-key); give each key once, as a full key or as an inference key",
            run.Error.TrimEnd('\n'));
        AssertNoKeyIn(run);
    }

    [Fact]
    public void AnInferenceKeysVariableHoldingNoKeyIsRefused()
    {
        using var child = new IsolatedChildProcess();
        child.Environment[ApiKeyCommandOptions.InferenceKeysVariable] = " , ";

        var run = child.Run("serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: ORTAGENT_INFERENCE_API_KEYS is set but holds no key (' , '); give keys separated by commas, or unset it to serve without keys",
            run.Error.TrimEnd('\n'));
    }

    [Theory]
    [InlineData(false, "only inference API keys are set: POST /admin/reload is refused to every caller; give --api-key for a key that may call them")]
    [InlineData(true, "only inference API keys are set: files, fine-tuning jobs, deleting models and the fine-tuning MCP tools are refused to every caller; give --api-key for a key that may call them")]
    public async Task OnlyInferenceKeysIsSaidAtStartAndNeedsNoWarningBeyondLoopback(bool fineTuning, string line)
    {
        string[] what = fineTuning ? ["--fine-tuning", "--store", _work.Combine("store")] : ["--model", "m"];

        var run = await RunAsync(new RecordingService(), [.. what, "--inference-api-key", KeyC, "--urls", "http://0.0.0.0:8080"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("0 full and 1 inference API key(s)", run.Output);
        Assert.Contains(line, run.Output.Split('\n'));
        Assert.Equal([], run.ErrorLines);
        AssertNoKeyIn(run);
    }

    /// <summary>Writes a key file as it should be: its owner's alone, unless <paramref name="mode"/> says otherwise.</summary>
    private string Write(string name, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = _work.Combine(name);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    private static void AssertNoKeyIn(CliRun run)
    {
        foreach (var key in new[] { KeyA, KeyB, KeyC })
            Assert.DoesNotContain(key, run.Output + run.Error);
    }

    private static Task<CliRun> RunAsync(RecordingService service, params string[] args) =>
        CliRun.RunAsync(["serve", .. args], configureServices: services => services.AddSingleton<IServingService>(service));

    /// <summary>Records the options a server was asked for and reports it listening, without serving.</summary>
    private sealed class RecordingService : IServingService
    {
        public ServingOptions? Served { get; private set; }

        public Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
        {
            Served = options;
            onListening([.. options.Urls]);
            return Task.CompletedTask;
        }

        public Task ServeFineTuningAsync(FineTuningServiceOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken) =>
            ServeAsync(options.Serving, onListening, cancellationToken);
    }
}
