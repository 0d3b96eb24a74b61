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
            await error.WriteLineAsync($"error: {OneLine(OptionFlags.Describe(ex))}").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (IOException ex) when (MountPoint.IsBusy(ex))
        {
            // Where the mount table could not tell up front (not Linux), the rename that puts an output in place fails at
            // the end: the destination the user chose, not a bug.
            await error.WriteLineAsync($"error: {OneLine(ex.Message)}: a mount point (a Docker volume) or a file in use cannot be replaced by a rename, "
                + "which is how OrtAgent puts an output in place; give a folder or file inside the mount (--output, --errors)").ConfigureAwait(false);
            if (verbose) await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (Exception ex) when (FineTuningService.Store.StorageFull.Is(ex))
        {
            // Not a bug, and not a mistake in what was typed: exit 1 as for other environment failures, but in words. A
            // file's write or, for serve and mcp --fine-tuning, the store's SQLite database, which names its path.
            // The write failed in a temporary beside its destination, gone by the time the user reads this: the destination is named.
            await error.WriteLineAsync($"error: the disk is full: {OneLine(TemporarySiblings.NameDestinations(ex.Message))}; free some space there, or write elsewhere (--output, --artifacts-root, --models-root, --store)").ConfigureAwait(false);
            if (verbose) await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (Exception ex) when (Runtime.OutOfMemory.Is(ex))
        {
            // Like a full disk: the environment, said in words, with what the user can change.
            await error.WriteLineAsync($"error: out of memory: {OneLine(ex.Message)}; lower --batch-size (or --max-length), or use a machine or device with more memory").ConfigureAwait(false);
            if (verbose) await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (Exception ex) // The top of the program: whatever escaped the commands is a bug to report, not to hide.
        {
            await error.WriteLineAsync($"internal error: {ex.GetType().Name}: {OneLine(ex.Message)}").ConfigureAwait(false);
            if (verbose) await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }

    // Messages quote file names, columns and labels; whatever unprintable text slipped through must not reach the terminal.
    private static string OneLine(string message) => PrintableText.Escape(message.ReplaceLineEndings(" ").Trim());
}
