using System.CommandLine;

namespace OrtAgent.Commands.Models;

/// <summary><c>ortagent models</c>: groups the base-model commands; it has no action of its own.</summary>
internal sealed class ModelsCommand : Command
{
    public ModelsCommand(ModelsListCommand list, ModelsPullCommand pull)
        : base("models", "List and pull the BERT base models that classifiers are fine-tuned from.")
    {
        Subcommands.Add(list);
        Subcommands.Add(pull);
    }
}
