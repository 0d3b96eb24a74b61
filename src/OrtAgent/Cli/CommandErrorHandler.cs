using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Cli;

/// <summary>
/// The one place where failures become exit codes and stderr lines: a <see cref="UserInputException"/> (the type every
/// library's user-facing errors derive from: a bad option, a model directory it cannot load, a device it cannot use)
/// becomes <c>error: message</c>, with a library option renamed to its flag by <see cref="OptionFlags"/>, and exit 2, as does a
/// rename refused because the destination is a mount point (<see cref="MountPoint.IsBusy"/>); cancellation through the CLI's token becomes exit 130; anything else is a bug,
/// reported as one <c>internal error</c> line (the stack trace only with <c>--verbose</c>) and exit 1, except a full disk
/// (a file's write, or the fine-tuning store's database) or memory running out, environment failures that are said in words (exit 1 too).
/// </summary>
internal sealed class CommandErrorHandler(TextWriter error, bool verbose)
{
    /// <summary>Runs <paramref name="body"/> and maps its outcome to an exit code; never throws.</summary>
    public async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            await SayAsync($"error: {OneLine(OptionFlags.Describe(ex))}").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await SayAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (FileNotFoundException ex) when (Runtime.WorkingDirectory.IsGone(ex))
        {
            // Wherever a relative path was first resolved (a default root, an option's value): one line, before anything was written.
            await SayAsync($"error: {Runtime.WorkingDirectory.GoneMessage()}").ConfigureAwait(false);
            if (verbose) await SayAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (ClosedStreamException ex)
        {
            // As a full stdout: the environment, exit 1, in words.
            await SayAsync($"error: {ex.Message}; run the command with it open (a file, a pipe, or /dev/null to discard the results)").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (IOException ex) when (MountPoint.IsBusy(ex))
        {
            // Where the mount table could not tell up front (not Linux), the rename that puts an output in place fails at
            // the end: the destination the user chose, not a bug.
            await SayAsync($"error: {OneLine(ex.Message)}: a mount point (a Docker volume) or a file in use cannot be replaced by a rename, "
                + "which is how OrtAgent puts an output in place; give a folder or file inside the mount (--output, --errors)").ConfigureAwait(false);
            if (verbose) await SayAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (Exception ex) when (FineTuningService.Store.StorageFull.Is(ex))
        {
            // Not a bug, and not a mistake in what was typed: exit 1 as for other environment failures, but in words. A
            // file's write or, for serve and mcp --fine-tuning, the store's SQLite database, which names its path.
            // The write failed in a temporary beside its destination, gone by the time the user reads this: the destination is named.
            await SayAsync($"error: the disk is full: {OneLine(TemporarySiblings.NameDestinations(ex.Message))}; {FullDiskRemedy(ex)}").ConfigureAwait(false);
            if (verbose) await SayAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (Exception ex) when (Runtime.OutOfMemory.Is(ex))
        {
            // Like a full disk: the environment, said in words, with what the user can change.
            await SayAsync($"error: out of memory: {OneLine(ex.Message)}; lower --batch-size (or --max-length), or use a machine or device with more memory").ConfigureAwait(false);
            if (verbose) await SayAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (Exception ex) // The top of the program: whatever escaped the commands is a bug to report, not to hide.
        {
            await SayAsync($"internal error: {ex.GetType().Name}: {OneLine(ex.Message)}").ConfigureAwait(false);
            if (verbose) await SayAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }

    private static string FullDiskRemedy(Exception ex) => ex switch
    {
        FullStreamException full => $"redirect {full.Stream} to a disk with space",
        Microsoft.Data.Sqlite.SqliteException => "free some space on the store's disk, or give the service a store elsewhere (--store)",
        _ => "free some space there, or write elsewhere (--output, --artifacts-root, --models-root, or a service's --store)",
    };

    /// <summary>
    /// Writes one line of the outcome, if the stream takes it: standard error redirected to the full disk that failed the
    /// command fails too, and an exception thrown here would end the process with an abort instead of the exit code.
    /// </summary>
    private async Task SayAsync(string line)
    {
        try
        {
            await error.WriteLineAsync(line).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    // Messages quote file names, columns and labels; whatever unprintable text slipped through must not reach the terminal.
    private static string OneLine(string message) => PrintableText.Escape(message.ReplaceLineEndings(" ").Trim());
}
