using System.CommandLine;
using System.CommandLine.Parsing;

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
        SetAction((parseResult, cancellationToken) =>
        {
            RefuseEmptyValues(parseResult);
            return ExecuteAsync(parseResult, cancellationToken);
        });

    /// <summary>
    /// An empty value (<c>--output ""</c>) names no file, model or label. Passed on, it failed deep in a service as an
    /// internal error (.NET refuses an empty path) or became an empty label; it is one mistake, worded once, here.
    /// </summary>
    private static void RefuseEmptyValues(ParseResult parseResult)
    {
        for (SymbolResult? result = parseResult.CommandResult; result is not null; result = result.Parent)
            foreach (var child in ((CommandResult)result).Children)
                if (child is OptionResult option && option.Tokens.Any(token => token.Value.Length == 0))
                    throw EmptyValue(option.IdentifierToken?.Value ?? option.Option.Name);
    }

    /// <summary>The refusal of an empty value for <paramref name="option"/>, however it was typed.</summary>
    internal static UserInputException EmptyValue(string option) => new($"{option} '': needs a value; an empty one names nothing");

    /// <summary>Runs the command; returns an exit code from <see cref="Cli.ExitCodes"/>.</summary>
    /// <param name="parseResult">The parsed command line, to read this command's arguments and options from.</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C; pass it to every long-running call.</param>
    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);
}
