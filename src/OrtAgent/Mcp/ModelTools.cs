using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace OrtAgent.Mcp;

/// <summary>The <c>list_models</c> tool: what the server can classify with.</summary>
[McpServerToolType]
internal sealed class ModelTools(ToolModelCatalog catalog)
{
    [McpServerTool(Name = "list_models", Title = "List models", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the text classifiers this server can run: each model's name (pass it as 'model' to the other tools), "
        + "the labels it can assign, the pretrained model it was fine-tuned from, and the evaluation metrics recorded when it was trained "
        + "(for example accuracy and macro F1 on held-out data), and whether explain_text can explain it. Labels are names only, "
        + "as the model was trained with them; no further meaning is recorded. Use it to pick a model and to read its label names.")]
    public ModelList ListModels() => new(catalog.Models.Select(Describe).ToArray());

    /// <summary>One model; one that cannot be loaded is listed with the reason, so it does not hide the others.</summary>
    private static ModelDescription Describe(IToolModel model)
    {
        try
        {
            var info = model.Info;
            return new ModelDescription(model.Name, info.Labels, info.BaseModel, info.Problem, info.MaxLength, info.Metrics, model.CanExplain);
        }
        catch (McpException ex)
        {
            return ModelDescription.UnavailableModel(model.Name, ex.Message);
        }
    }
}
