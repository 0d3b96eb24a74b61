using System.CommandLine;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using Spectre.Console;

namespace OrtAgent.Commands.Models;

/// <summary><c>ortagent models list</c>: a table of the packaged base models and any other models in the store.</summary>
internal sealed class ModelsListCommand(IBaseModelStore store, IAnsiConsole console)
    : BaseCommand("list", "Show the packaged base models, whether each is pulled, and other model directories under models/base.")
{
    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("Name", "Package", "Version", "Pulled", "Path");
        var entries = await store.ListAsync(cancellationToken);
        foreach (var entry in entries)
        {
            table.AddRow(
                ConsoleMarkup.Literal(entry.Name),
                ConsoleMarkup.Literal(entry.Package ?? "(local)"),
                ConsoleMarkup.Literal(entry.Version ?? "-"),
                entry.Damage is not null ? "damaged" : entry.IsPulled ? "yes" : "no",
                ConsoleMarkup.Literal(entry.Directory));
        }
        console.Write(table);
        foreach (var entry in entries.Where(e => e.Damage is not null))
            console.MarkupLine(ConsoleMarkup.Literal($"{entry.Name} is damaged ({entry.Damage}); `{PackagedBaseModelCatalog.PullCommand(entry.Name, entry.Directory)}` repairs it"));
        return ExitCodes.Success;
    }
}
