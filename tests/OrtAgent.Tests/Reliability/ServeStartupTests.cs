using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// <c>serve</c> start-up failures that are the user's to fix: one line on stderr, exit 2, no stack trace anywhere. Run as
/// a child process, since Kestrel and the host log to the process's own console.
/// </summary>
public sealed class ServeStartupTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    private async Task<CliRun> ServeAsync(string url, params string[] more)
    {
        var model = _work.Combine("model");
        if (!Directory.Exists(model)) ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        return await new OrtAgentProcess().RunAsync(["serve", "--model", model, "--threads", "1", "--urls", url, .. more], TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData("notaurl")]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("http://127.0.0.1:notaport")]
    public async Task AnAddressThatIsNotAUrlIsOneLineAndExit2(string url)
    {
        var run = await ServeAsync(url);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: --urls '{url}': not an address to listen on", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(" at ", run.Output + run.Error);
    }

    /// <summary>
    /// A query, fragment or user info in an address was no error: Kestrel listened on every interface instead (port 80
    /// where the port was cut off), and the no-key warning named the address as given. The same check runs for both modes.
    /// </summary>
    [Theory]
    [InlineData("http://127.0.0.1:0?x=1", "a query (?…) is not part of an address", false)]
    [InlineData("http://localhost:0?", "a query (?…) is not part of an address", false)]
    [InlineData("http://127.0.0.1:0#frag", "a fragment (#…) is not part of an address", false)]
    [InlineData("http://user:pw@127.0.0.1:0", "user info (user:password@) is not part of an address", false)]
    [InlineData("http://127.0.0.1:0?", "a query (?…) is not part of an address", true)]
    public async Task AnAddressWithMoreThanAHostAndPortIsOneLineNamingWhatAndExit2(string url, string problem, bool fineTuning)
    {
        var store = _work.Combine("store");

        var run = await ServeAsync(url, fineTuning ? ["--fine-tuning", "--store", store] : []);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --urls '{url}': not an address to listen on ({problem}); for example http://127.0.0.1:8080", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(store), "the refused start left a store behind");
    }

    /// <summary>
    /// A path was an internal error (Kestrel: "A path base can only be configured using IApplicationBuilder.UsePathBase()"),
    /// and an IPv4-mapped IPv6 address one too (the bind's "Invalid argument").
    /// </summary>
    [Theory]
    [InlineData("http://127.0.0.1:0/path", "a path: everything is served from the root, not under a path prefix; leave the path out")]
    [InlineData("http://[::ffff:127.0.0.1]:0", "an IPv4-mapped IPv6 address; give the IPv4 address 127.0.0.1 itself")]
    // A comma-separated list was blamed as a path; an upper-case scheme as no http at all.
    [InlineData("http://127.0.0.1:0,http://127.0.0.1:1", "a comma: separate addresses with ';' or a space")]
    [InlineData("HTTP://127.0.0.1:0", "write the scheme in lower case: http or https")]
    public async Task APathOrAnIPv4MappedAddressIsOneLineAndExit2(string url, string problem)
    {
        var run = await ServeAsync(url);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --urls '{url}': not an address to listen on ({problem}); for example http://127.0.0.1:8080", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(" at ", run.Output + run.Error);
    }

    /// <summary>
    /// A socket file a killed process left behind failed every restart in Kestrel's words ("address already in use")
    /// though nothing listened; the line says what the file is now, and the file is left where it was.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AUnixSocketLeftByAKilledProcessIsNamedAsSuchAndLeftInPlace(bool fineTuning)
    {
        // Path.GetTempPath() may be too long for a socket path (108 bytes); a short folder of its own under /tmp.
        var folder = Directory.CreateTempSubdirectory("oa-sock-").FullName;
        try
        {
            string bound = Path.Combine(folder, "b.sock"), stale = Path.Combine(folder, "s.sock");
            using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                socket.Bind(new UnixDomainSocketEndPoint(bound));
                File.Move(bound, stale);   // the closing socket removes the file it bound; a killed process removes none
            }
            var url = $"http://unix:{stale}";
            var store = _work.Combine("store");

            var run = await ServeAsync(url, fineTuning ? ["--fine-tuning", "--store", store] : []);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal($"error: --urls '{url}': cannot listen: {stale} exists and nothing accepts connections on it (a socket left by a process that "
                + "stopped without removing it, or a file that is not a socket); remove it, or give another path", Assert.Single(run.ErrorLines));
            Assert.True(File.Exists(stale));
            Assert.False(Directory.Exists(store), "the refused start left a store behind");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>An https address without a certificate was an internal error (exit 1), then refused as no address at all; it names the options now.</summary>
    [Fact]
    public async Task AnHttpsAddressWithoutACertificateIsOneLineNamingTheCertificateOptionsAndExit2()
    {
        const string Url = "https://127.0.0.1:8443";

        var run = await ServeAsync(Url);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --urls '{Url}': https needs a certificate: give --tls-certificate (with --tls-key, or a PKCS#12 file), or listen on http", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(" at ", run.Output + run.Error);
    }

    /// <summary>
    /// Plain <c>serve</c> finds a port in use at Kestrel's bind, not by <c>serve --fine-tuning</c>'s early check, and said
    /// so in Kestrel's words ("Failed to bind to address http://…: address already in use."): both say it alike now.
    /// </summary>
    [Fact]
    public async Task APortInUseIsOneLineAndExit2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var url = $"http://127.0.0.1:{port}";

        var run = await ServeAsync(url);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --urls '{url}': cannot listen: 127.0.0.1:{port} is already in use; stop what listens there, or give another port", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(" at ", run.Output + run.Error);
    }

    /// <summary>
    /// A port below 1024, for a user without the privilege to listen there: plain <c>serve</c> met it at Kestrel's bind,
    /// which lets the bind's SocketException out as it is: <c>internal error: SocketException: Permission denied</c>,
    /// exit 1. It is one line and exit 2, as a port in use is, and as <c>serve --fine-tuning</c>'s early check says it.
    /// Run as nobody (the suite runs as root, who may listen anywhere).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task APortThisUserMayNotListenOnIsOneLineAndExit2(bool fineTuning)
    {
        const int Port = 80;
        // Where unprivileged users may listen on it (net.ipv4.ip_unprivileged_port_start lowered), nothing refuses.
        if (int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), System.Globalization.CultureInfo.InvariantCulture) <= Port) return;
        var url = $"http://127.0.0.1:{Port}";
        var model = _work.Combine("model");
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        var home = Directory.CreateDirectory(_work.Combine("home")).FullName;
        File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        var store = _work.Combine("store");

        var run = await new OrtAgentProcess { Unprivileged = true, WorkingDirectory = home, Environment = { ["HOME"] = home } }
            .RunAsync(["serve", "--model", model, "--threads", "1", "--urls", url, .. fineTuning ? ["--fine-tuning", "--store", store] : Array.Empty<string>()],
                TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --urls '{url}': cannot listen: permission denied: this user may not listen on 127.0.0.1:{Port} " +
            "(ports below 1024 need privileges); give a port of 1024 or above", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(store), "the refused start left a store behind");
    }

    /// <summary>
    /// An IP address this machine lacks (192.0.2.1, TEST-NET-1) passes the early checks and fails Kestrel's bind, after
    /// the model loaded and <c>--fine-tuning</c>'s store opened. The line named it without the quotes every other
    /// <c>--urls</c> line has; the store the start made is removed.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAddressThisMachineLacksIsOneLineNamingItAndExit2(bool fineTuning)
    {
        const string Url = "http://192.0.2.1:5087";
        var store = _work.Combine("store");

        var run = await ServeAsync(Url, fineTuning ? ["--fine-tuning", "--store", store] : []);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: --urls '{Url}': cannot listen: ", line);
        Assert.EndsWith("; give an address of this machine (127.0.0.1, or 0.0.0.0 for all)", line);
        Assert.DoesNotContain(" at ", run.Output + run.Error);
        Assert.False(Directory.Exists(store), "the refused start left a store behind");
    }

    /// <summary>
    /// With two <c>--urls</c> of which only the second cannot be bound (an address this machine lacks), the line names
    /// that one alone: Kestrel's error says no address, and a line naming both would leave the user to guess.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OfTwoAddressesOnlyTheOneThatCannotBeBoundIsNamed(bool fineTuning)
    {
        const string Good = "http://127.0.0.1:0", Bad = "http://192.0.2.1:5087";   // port 0: any free one, so the first always binds
        var store = _work.Combine("store");

        var run = await ServeAsync(Good, [Bad, .. fineTuning ? ["--fine-tuning", "--store", store] : Array.Empty<string>()]);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: --urls '{Bad}': cannot listen: ", line);
        Assert.DoesNotContain("127.0.0.1:0", line);
        Assert.EndsWith("; give an address of this machine (127.0.0.1, or 0.0.0.0 for all)", line);
        Assert.DoesNotContain(" at ", run.Output + run.Error);
        Assert.False(Directory.Exists(store), "the refused start left a store behind");
    }

    /// <summary>
    /// A start refused at the bind (an address this machine lacks: the same moment as a port taken after the early
    /// check) on a store a killed process left: it had paused the job left pausing (its record and a new event) and
    /// removed the leftovers (unlisted bytes, an upload's temporary, a deleted model's folder, an ended job's artifacts)
    /// before the bind, so the store it was to leave as it found it had changed. Both wait for the bind now.
    /// </summary>
    [Fact]
    public async Task AStartRefusedAtTheBindLeavesAStoreAKilledProcessLeftAsItWas()
    {
        const string Url = "http://192.0.2.1:5087";
        var store = _work.Combine("store");
        MakeStoreAKilledProcessLeft(store);
        var before = TreeSnapshot.Take(store);

        var run = await ServeAsync(Url, "--fine-tuning", "--store", store);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: --urls '{Url}': cannot listen: ", Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(store));
    }

    /// <summary>
    /// An earlier build's store that build's killed process left with a write-ahead log (its last jobs and events are
    /// only there): the refused start put the database and the log back as two files, one rename after the other, and a
    /// kill between the two left the database without the log's transactions. The log is checkpointed into the database
    /// before the copy now, so the database put back is whole by itself, byte for byte what SQLite's own checkpoint of
    /// the store makes, with no log beside it and everything else as it was.
    /// </summary>
    [Fact]
    public async Task AStartRefusedAtTheBindPutsBackAnEarlierStoreWithALogAKilledProcessLeftAsOneWholeFile()
    {
        const string Url = "http://192.0.2.1:5087";
        var store = _work.Combine("store");
        var checkpointed = _work.Combine("checkpointed");
        MakeEarlierStoreWithALog(store, alsoIn: checkpointed);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(checkpointed, StoreDatabase.FileName)};Pooling=False"))
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";   // and the close removes the log and the shared-memory index
            checkpoint.ExecuteNonQuery();
        }
        Assert.Equal([StoreDatabase.FileName], TreeSnapshot.Take(checkpointed).Keys);
        var before = TreeSnapshot.Take(store);
        Assert.True(new FileInfo(Path.Combine(store, StoreDatabase.FileName + "-wal")).Length > 0);

        var run = await ServeAsync(Url, "--fine-tuning", "--store", store);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: --urls '{Url}': cannot listen: ", Assert.Single(run.ErrorLines));
        var after = TreeSnapshot.Take(store);
        Assert.Equal(before.Keys.Where(name => !name.EndsWith("-wal", StringComparison.Ordinal) && !name.EndsWith("-shm", StringComparison.Ordinal)), after.Keys);
        Assert.Equal(TreeSnapshot.Take(checkpointed)[StoreDatabase.FileName], after[StoreDatabase.FileName]);
        // The database alone, as a kill right after the rename would have left it, holds the log's job.
        using var alone = new SqliteConnection($"Data Source={Path.Combine(store, StoreDatabase.FileName)};Mode=ReadOnly;Pooling=False");
        alone.Open();
        using var query = alone.CreateCommand();
        query.CommandText = "SELECT status || ' ' || (SELECT user_version FROM pragma_user_version) FROM jobs WHERE id = 'ftjob-running'";
        Assert.Equal("running 1", query.ExecuteScalar());
    }

    // A version-1 store whose process was killed with its last transaction (a job left running) still in the log: the
    // files are copied while the writing connection is open, as a kill leaves them; with the same files in alsoIn.
    private static void MakeEarlierStoreWithALog(string folder, string alsoIn)
    {
        FineTuningStoreOpenTests.MakeVersionOneStore(folder);
        Directory.CreateDirectory(alsoIn);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, StoreDatabase.FileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            INSERT INTO jobs (id, created_at, model, training_file, seed, n_epochs, batch_size, learning_rate_multiplier, status)
                VALUES ('ftjob-running', 1700000200, 'minilm', 'file-old', 1, 1, 8, 1.0, 'running');
            INSERT INTO events (id, job_id, created_at, level, message, type) VALUES ('ftevent-run', 'ftjob-running', 1700000201, 'info', 'started', 'message');
            """;
        command.ExecuteNonQuery();
        foreach (var name in new[] { StoreDatabase.FileName, StoreDatabase.FileName + "-wal", StoreDatabase.FileName + "-shm" })
        {
            File.Copy(Path.Combine(folder, name), Path.Combine(alsoIn, name + ".killed"));
        }
        connection.Close();
        foreach (var name in new[] { StoreDatabase.FileName, StoreDatabase.FileName + "-wal", StoreDatabase.FileName + "-shm" })
        {
            File.Copy(Path.Combine(alsoIn, name + ".killed"), Path.Combine(folder, name), overwrite: true);
            File.Move(Path.Combine(alsoIn, name + ".killed"), Path.Combine(alsoIn, name));
        }
    }

    // A store of this build's schema as a process killed mid-work leaves it: a job pausing and one running, and what the
    // next start removes as left over. Its database closed, as the killed process's last commit left it on disk.
    private static void MakeStoreAKilledProcessLeft(string folder)
    {
        using (var store = FineTuningStore.Open(folder))
        {
            foreach (var (id, status) in new[] { ("ftjob-pausing", JobStatus.Pausing), ("ftjob-running", JobStatus.Running), ("ftjob-ended", JobStatus.Succeeded) })
                store.AddJob(FineTuningStoreTests.Job(id) with { Status = status });
            store.UpdateJob(store.GetJob("ftjob-ended")! with { ModelDeleted = true });
            Directory.CreateDirectory(store.ModelDirectory("ftjob-ended"));
            File.WriteAllText(Path.Combine(store.ModelDirectory("ftjob-ended"), "model.onnx"), "weights");
            Directory.CreateDirectory(store.JobArtifactsDirectory("ftjob-ended"));
            File.WriteAllText(Path.Combine(store.JobArtifactsDirectory("ftjob-ended"), "checkpoint"), "state");
            File.WriteAllText(Path.Combine(store.FilesDirectory, "file-unlisted.jsonl"), "{}");
            File.WriteAllText(Path.Combine(store.FilesDirectory, "file-upload.jsonl.partial"), "{");
        }
        SqliteConnection.ClearAllPools();
    }
}
