using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.Commands.Inference;
using OrtAgent.Commands.Models;

namespace OrtAgent.Commands;

/// <summary><c>ortagent</c>: the global options and the top-level commands, each injected by the container.</summary>
internal sealed class OrtAgentRootCommand : RootCommand
{
    public OrtAgentRootCommand(CliGlobalOptions globalOptions, ModelsCommand models, TrainCommand train,
        ArtifactsCommand artifacts, ExportCommand export, PredictCommand predict, EvalCommand eval, ServeCommand serve, ExplainCommand explain,
        McpCommand mcp, DistillCommand distill)
        : base("Fine-tune BERT text classifiers on ONNX Runtime from a CSV, and serve them.")
    {
        Options.Add(globalOptions.Verbose);
        Subcommands.Add(train);
        Subcommands.Add(distill);
        Subcommands.Add(artifacts);
        Subcommands.Add(export);
        Subcommands.Add(models);
        Subcommands.Add(predict);
        Subcommands.Add(eval);
        Subcommands.Add(explain);
        Subcommands.Add(serve);
        Subcommands.Add(mcp);
        RealNumberOptions.ApplyTo(this);
    }
}
