using System.CommandLine;

namespace OrtAgent.Commands;

/// <summary>
/// Base of every command that does something. A command only declares its arguments and options and, in
/// <see cref="ExecuteAsync"/>, reads them, calls one service and prints the result; the work lives in the service.
/// Commands throw <see cref="UserInputException"/> for user mistakes and never catch to print errors themselves:
/// <see cref="Cli.CommandErrorHandler"/> does that for all of them.
/// </summary>
internal abstract class BaseCommand : Command
{
    protected BaseCommand(string name, string description) : base(name, description) =>
        SetAction(ExecuteAsync);

    /// <summary>Runs the command; returns an exit code from <see cref="Cli.ExitCodes"/>.</summary>
    /// <param name="parseResult">The parsed command line, to read this command's arguments and options from.</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C; pass it to every long-running call.</param>
    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);
}
