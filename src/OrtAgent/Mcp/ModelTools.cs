using System.ComponentModel;
using ModelContextProtocol.Server;

namespace OrtAgent.Mcp;

/// <summary>The <c>list_models</c> tool: what the server can classify with.</summary>
[McpServerToolType]
internal sealed class ModelTools(ToolModelCatalog catalog)
{
    [McpServerTool(Name = "list_models", Title = "List models", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the text classifiers this server can run: each model's name (pass it as 'model' to the other tools), "
        + "the labels it can assign, the pretrained model it was fine-tuned from, and the evaluation metrics recorded when it was trained "
        + "(for example accuracy and macro F1 on held-out data). Use it to pick a model and to read what its labels are.")]
    public ModelList ListModels() => new(catalog.Models.Select(m => new ModelDescription(
        m.Name,
        m.Info.Labels,
        m.Info.BaseModel,
        m.Info.Problem,
        m.Info.MaxLength,
        m.Info.Metrics)).ToArray());
}
