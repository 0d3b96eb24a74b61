using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>One model as <c>list_models</c> describes it.</summary>
internal sealed record ModelDescription(
    [property: Description("The model's name: pass it as 'model' to classify_text.")] string Name,
    [property: Description("The labels the model assigns, in the model's output order.")] IReadOnlyList<string> Labels,
    [property: Description("The pretrained model it was fine-tuned from.")] string BaseModel,
    [property: Description("single_label (exactly one label applies), multi_label (any number may apply, each scored on its own) or regression.")] string Problem,
    [property: Description("Longest input in tokens; longer texts are cut to this length before classifying.")] int MaxLength,
    [property: Description("Evaluation metrics recorded at training time, by name (for example accuracy, macro_f1); empty when none were recorded.")] IReadOnlyDictionary<string, double> Metrics,
    [property: Description("Whether explain_text can explain its predictions (the model was exported with its explain graph, explain.onnx).")] bool Explainable,
    [property: Description("Why the model cannot be used now (it cannot be loaded), with its other fields empty; null when it can be used.")] string? Unavailable = null)
{
    /// <summary>A model listed by name only, with why it cannot be used.</summary>
    public static ModelDescription UnavailableModel(string name, string reason) =>
        new(name, [], "", "", 0, new Dictionary<string, double>(), Explainable: false, reason);
}
