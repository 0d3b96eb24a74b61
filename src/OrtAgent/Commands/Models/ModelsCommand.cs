using System.CommandLine;
using OrtAgent.Cli;

namespace OrtAgent.Commands.Models;

/// <summary><c>ortagent models</c>: groups the base-model commands; it has no action of its own.</summary>
internal sealed class ModelsCommand : Command
{
    public ModelsCommand(ModelsListCommand list, ModelsPullCommand pull)
        : base("models", "List and pull the BERT base models that classifiers are fine-tuned from.")
    {
        // Both keep to the model store; after either word (models --models-root DIR list, models list --models-root DIR).
        var modelsRoot = CliGlobalOptions.ModelsRoot();
        modelsRoot.Recursive = true;
        Options.Add(modelsRoot);
        Subcommands.Add(list);
        Subcommands.Add(pull);
    }
}
