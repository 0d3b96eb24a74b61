namespace OrtAgent.Bench;

/// <summary>
/// The one place where what a bench run throws becomes what the user sees: a mistake they can fix (a bad flag, a
/// missing model, an unusable device, a busy work folder, a CLI run that refused its arguments) is one line and exit
/// code 2; a measurement child that failed is its command, exit code and output tail, and exit code 1. Anything else
/// is a bug and keeps its stack trace.
/// </summary>
public static class BenchErrorHandler
{
    public const int UserError = 2;
    public const int Failure = 1;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (BenchUsageException ex)
        {
            // One line, as every other refusal: the usage is ~900 characters and --help prints it.
            Console.Error.WriteLine($"bench: {OneLine(ex.Message)}; see --help");
            return UserError;
        }
        catch (UserInputException ex)
        {
            Console.Error.WriteLine($"bench: {OneLine(ex.Message)}");
            return UserError;
        }
        catch (ChildProcessFailedException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return Failure;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
