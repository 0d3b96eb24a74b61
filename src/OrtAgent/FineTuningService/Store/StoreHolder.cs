using System.Globalization;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// The command running a store's jobs (<c>serve</c> or <c>mcp</c>) and its process, written into the store while it
/// holds the claim, so that another start refused the store can say what holds it and what to do: a <c>serve</c> can
/// be connected to (its <c>/mcp</c> offers the same tools), an <c>mcp</c> over stdio cannot, only stopped.
/// </summary>
/// <remarks>The claim itself is an OS lock (<see cref="Training.Checkpoints.ProcessLock"/>) whose file another process cannot read while it is held.</remarks>
internal sealed record StoreHolder(string Command, int ProcessId)
{
    /// <summary>The file inside the store naming its holder; present only while a holder that wrote it runs (or was killed).</summary>
    public const string FileName = "ortagent.holder";

    public const string ServeCommand = "serve";

    public const string McpCommand = "mcp";

    /// <summary>This process, as <c>ortagent serve --fine-tuning</c>.</summary>
    public static StoreHolder Serve => new(ServeCommand, Environment.ProcessId);

    /// <summary>This process, as <c>ortagent mcp --fine-tuning</c> over stdio.</summary>
    public static StoreHolder McpStdio => new(McpCommand, Environment.ProcessId);

    /// <summary>
    /// Records <paramref name="holder"/> in the claimed store <paramref name="directory"/>; with none (a test, a tool),
    /// removes what a killed holder left, so no refusal names a process gone. Best effort: a refusal without it is
    /// worded without the holder. Written whole or not at all (<see cref="AtomicFile"/>, whose hidden temporary a killed
    /// writer's successor sweeps), so a refused start never reads half a record.
    /// </summary>
    public static void Record(string directory, StoreHolder? holder)
    {
        string path = Path.Combine(directory, FileName);
        if (holder is null)
        {
            BestEffortDelete.File(path);
            return;
        }
        try
        {
            AtomicFile.WriteAllText(path, $"{holder.Command} {holder.ProcessId.ToString(CultureInfo.InvariantCulture)}\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            BestEffortDelete.File(path);
        }
    }

    /// <summary>Removes the record, while the claim is still held.</summary>
    public static void Forget(string directory) => BestEffortDelete.File(Path.Combine(directory, FileName));

    /// <summary>The refusal of a start on <paramref name="directory"/>, whose claim another process holds.</summary>
    public static UserInputException Refusal(string directory)
    {
        string store = $"--store {directory}: ";
        return Read(directory) switch
        {
            { Command: McpCommand } mcp => new UserInputException(store + $"'ortagent mcp --fine-tuning' (process {mcp.ProcessId}) is running this store's jobs for the MCP client "
                + "that started it over stdio, which nothing else can connect to; give this one another --store, or stop that one by closing its client "
                + "(its running jobs stop at a checkpoint and resume at the next start on this store)"),
            { Command: ServeCommand } serve => new UserInputException(store + $"'ortagent serve --fine-tuning' (process {serve.ProcessId}) is running this store's jobs; "
                + "connect to that service (its /mcp offers the same tools, its /v1 the fine-tuning API), stop it, or give this one another --store"),
            _ => new UserInputException(store + "another OrtAgent process (serve or mcp with --fine-tuning) is running this store's jobs; "
                + "stop it or give this one another --store (a serve can be connected to instead: its /mcp offers the same tools)"),
        };
    }

    private static StoreHolder? Read(string directory)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(directory, FileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var parts = text.Trim().Split(' ');
        // A record of a process gone was left by a holder killed before it could remove it: the claim is another's.
        return parts.Length == 2 && parts[0] is ServeCommand or McpCommand
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id) && IsRunning(id)
            ? new StoreHolder(parts[0], id)
            : null;
    }

    private static bool IsRunning(int processId)
    {
        if (OperatingSystem.IsLinux()) return System.IO.Directory.Exists($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            // Found is enough: asking whether another user's process has exited can be refused.
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
