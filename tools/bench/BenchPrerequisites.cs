using OrtAgent.Runtime;

namespace OrtAgent.Bench;

/// <summary>
/// What a run needs from the machine, checked before any work: the device, the Python that runs PyTorch, and the spam
/// folders named on the command line. Each was found only when its turn came, after minutes of other measurements: a
/// missing Python as a crash with a stack trace, a missing <c>--spam-dir</c> as a skipped row, a missing
/// <c>--lora-spam</c> after the LoRA timing.
/// </summary>
public static class BenchPrerequisites
{
    /// <exception cref="UserInputException">One of them is missing or unusable; the message names the flag and its value.</exception>
    public static void Check(BenchOptions options)
    {
        // Every child and every mode's sessions ask for this device: a device that cannot load is said once, here,
        // as the flag the user gave (the library names its own property, OrtSessionSettings.Device).
        if (options.Device != ExecutionDevice.Cpu)
        {
            try
            {
                options.SessionSettings.CreateSessionOptions().Dispose();
            }
            catch (DeviceUnavailableException ex)
            {
                throw new UserInputException($"--device {options.DeviceName}: {ex.Problem}", ex);
            }
        }
        if (options.RunsPyTorch && !IsProgram(options.Python))
            throw new UserInputException($"--python {options.Python}: no such program (the PyTorch reference needs a python3 with torch; --no-torch leaves it out)");
        // A folder left out is looked for in data/external/spam and skipped when absent; a folder named must be there.
        RequireSpamSplit("--spam-dir", options.SpamDirectory);
        RequireSpamSplit("--lora-spam", options.LoraSpamDirectory);
    }

    private static void RequireSpamSplit(string flag, string? directory)
    {
        if (directory is null) return;
        if (!Directory.Exists(directory)) throw new UserInputException($"{flag} {directory}: no such folder (tools/spam/prepare.sh writes the split)");
        var missing = new[] { "train.csv", "test.csv" }.Where(file => !File.Exists(Path.Combine(directory, file))).ToList();
        if (missing.Count > 0)
            throw new UserInputException($"{flag} {directory}: no {string.Join(" or ", missing)} there (tools/spam/prepare.sh writes them)");
    }

    /// <summary>Whether <paramref name="program"/> names a file: a path as it is, a bare name on <c>PATH</c>, as the process start looks it up.</summary>
    private static bool IsProgram(string program) =>
        program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? File.Exists(program)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(folder => File.Exists(Path.Combine(folder, program)));
}
