using OrtAgent.Cli;

namespace OrtAgent.Tests.Cli;

public sealed class CommandErrorHandlerTests
{
    [Fact]
    public async Task UserInputExceptionIsOneErrorLineAndExitTwo()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: true)
            .RunAsync(_ => throw new UserInputException("column 'text' is missing\nin data.csv"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: column 'text' is missing in data.csv" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task AnAllocationOnnxRuntimeCannotMakeIsOutOfMemoryInWordsNotABug()
    {
        // A real allocator failure: a tensor of 10^5 × 10^5 × 100 floats (4 TB) asked of the CPU provider.
        var graph = new Onnx.Graph();
        var shape = graph.AddInput("shape", Onnx.ElementType.Int64, [Onnx.Dim.Known(3)]);
        graph.AddOutput(graph.ConstantOfShape(shape, Onnx.TensorData.Scalar(1f)));
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(new Onnx.OnnxModel(graph).ToBytes());
        using var huge = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[] { 100_000, 100_000, 100 }, [3]);
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false).RunAsync(_ =>
        {
            using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["shape"], [huge], session.OutputNames);
            return Task.FromResult(0);
        }, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Matches(@"^error: out of memory: .*Failed to allocate memory.*; lower --batch-size \(or --max-length\), or use a machine or device with more memory\r?\n$", error.ToString());
    }

    /// <summary>
    /// Renaming onto a mount point (a file or folder given to docker run -v) fails with EBUSY; where the mount table could
    /// not tell up front it was an internal error, exit 1.
    /// </summary>
    [UnixFact("EBUSY is a Unix errno; Windows reports a mount point otherwise")]
    public async Task ARenameRefusedAsBusyIsTheDestinationsFaultAndExitTwo()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new IOException("Device or resource busy : '/out/predictions.csv'", 16), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: Device or resource busy : '/out/predictions.csv': a mount point (a Docker volume) or a file in use cannot be replaced by a rename, "
            + "which is how OrtAgent puts an output in place; give a folder or file inside the mount (--output, --errors)" + Environment.NewLine, error.ToString());
    }

    /// <summary>
    /// A full disk met writing an output's temporary file names the output: the temporary (.predictions.csv.tmp-PID),
    /// which the line named, is removed before the user reads it.
    /// </summary>
    [Fact]
    public async Task AFullDiskInAnOutputsTemporaryFileNamesTheOutput()
    {
        var error = new StringWriter();
        string output = Path.Combine(Path.GetTempPath(), "full-disk-naming", "predictions.csv");
        string temporary = OrtAgent.Training.Checkpoints.TemporarySiblings.For(output, "tmp", hidden: true);

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new IOException($"No space left on device : '{temporary}'", 28), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal($"error: the disk is full: No space left on device : '{output}'; free some space there, or write elsewhere (--output, --artifacts-root, --models-root, or a service's --store)"
            + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task InvalidOptionExceptionNamesTheFlag()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new InvalidOptionException("FineTuningOptions.Epochs", 0, "must be at least 1"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: --epochs 0: must be at least 1" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task TheRuntimesModelLoadExceptionIsAUserError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new Runtime.ModelLoadException("models/x: model directory does not exist"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: models/x: model directory does not exist" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task OtherExceptionIsOneInternalErrorLineAndExitOne()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal("internal error: InvalidOperationException: boom" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task OtherExceptionWithVerboseAddsTheStackTrace()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: true)
            .RunAsync(_ => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains(" at ", error.ToString());
    }

    [Fact]
    public async Task CancellationOfTheCliTokenIsExit130()
    {
        var error = new StringWriter();
        using var source = new CancellationTokenSource();
        source.Cancel();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(token => Task.FromCanceled<int>(token), source.Token);

        Assert.Equal(130, code);
        Assert.Equal("cancelled" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task CancellationFromElsewhereIsAnInternalError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new OperationCanceledException("timed out"), CancellationToken.None);

        Assert.Equal(1, code);
    }

    /// <summary>The IOException .NET throws on Linux when a write finds the disk full (checked by hand on a 3 MB tmpfs).</summary>
    [UnixFact("errno 28 (ENOSPC) is a Unix error number")]
    public async Task AFullDiskIsSaidInWordsNotAsAnInternalError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new IOException("No space left on device : '/mnt/small/m.tmp-7/model.onnx.tmp'", 28), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal("error: the disk is full: No space left on device : '/mnt/small/m.tmp-7/model.onnx.tmp'; free some space there, or write elsewhere (--output, --artifacts-root, --models-root, or a service's --store)"
            + Environment.NewLine, error.ToString());
    }

    /// <summary>
    /// <c>serve --fine-tuning</c> opening a new store on a full disk: SQLite's SQLITE_FULL, with the database's path put
    /// in front (checked by hand on a full tmpfs, where it was exit 2, "ortagent.db cannot be opened as a database").
    /// </summary>
    [Fact]
    public async Task AFullDatabaseIsSaidAsAFullDisk()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false).RunAsync(
            _ => throw new Microsoft.Data.Sqlite.SqliteException("/mnt/small/store/ortagent.db: SQLite Error 13: 'database or disk is full'.", 13), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal("error: the disk is full: /mnt/small/store/ortagent.db: SQLite Error 13: 'database or disk is full'.; "
            + "free some space on the store's disk, or give the service a store elsewhere (--store)" + Environment.NewLine, error.ToString());
    }

    /// <summary>Standard output on a full disk is told to go elsewhere: the options that choose files do not move it.</summary>
    [UnixFact("errno 28 (ENOSPC) is a Unix error number")]
    public async Task StandardOutputOnAFullDiskIsToldToBeRedirected()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false).RunAsync(
            _ => throw new FullStreamException("standard output", new IOException("No space left on device", 28)), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal("error: the disk is full: standard output: No space left on device; redirect standard output to a disk with space" + Environment.NewLine, error.ToString());
    }

    /// <summary>
    /// Standard error redirected to the same full disk (<c>&gt; log 2&gt;&amp;1</c>) cannot take the error line either: the
    /// exception that write threw escaped the handler, and the process aborted (exit 134) instead of exiting 1.
    /// </summary>
    [UnixFact("errno 28 (ENOSPC) is a Unix error number")]
    public async Task AnErrorStreamOnTheFullDiskStillGivesTheExitCode()
    {
        using var error = new HangUpTolerantWriter(new FullDiskWriter(), "standard error");

        int code = await new CommandErrorHandler(error, verbose: true).RunAsync(
            _ => throw new FullStreamException("standard output", new IOException("No space left on device", 28)), CancellationToken.None);

        Assert.Equal(1, code);
    }

    private sealed class FullDiskWriter : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => throw new IOException("No space left on device", 28);

        public override Task WriteLineAsync(string? value) => throw new IOException("No space left on device", 28);
    }

    [Fact]
    public async Task AnotherIOExceptionIsStillAnInternalError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new IOException("Input/output error", 5), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.StartsWith("internal error: IOException: Input/output error", error.ToString());
    }
}
