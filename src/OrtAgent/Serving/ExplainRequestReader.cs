using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Serving;

/// <summary>
/// Reads and validates a <c>POST /explain</c> body: <c>{"inputs": "text" | ["text", ...], "label": "name",
/// "steps": 32, "baseline": "pad" | "mask", "model": "name"}</c>, with <c>/predict</c>'s rules for <c>inputs</c>,
/// <c>model</c> and the body size, and limits of its own on the texts per request (never more than <c>/predict</c>
/// takes) and the steps (each step is one more forward and backward pass).
/// </summary>
internal static class ExplainRequestReader
{
    /// <exception cref="ApiErrorException">The body is too large (413), not the expected JSON (400), or breaks a limit (413/422).</exception>
    public static async Task<ExplainRequest> ReadAsync(HttpRequest request, ServingOptions limits, CancellationToken cancellationToken)
    {
        PredictRequestReader.RefuseQuery(request, Fields);
        using var document = await PredictRequestReader.ReadDocumentAsync(request, limits, cancellationToken).ConfigureAwait(false);
        return Parse(document.RootElement, limits);
    }

    /// <summary>The fields an /explain body may hold.</summary>
    private static readonly string[] Fields = ["inputs", "label", "steps", "baseline", "model"];

    /// <summary>Validates an already parsed body.</summary>
    public static ExplainRequest Parse(JsonElement root, ServingOptions limits)
    {
        // A misspelt field ("lable", "stpes") was ignored: the predicted label explained, or 32 steps taken.
        if (UnrecognizedField.First(PredictRequestReader.RequireObjectWithInputs(root), "", "an /explain body takes", Fields) is { } unknown)
            throw PredictRequestReader.Invalid(unknown.Message);
        var label = ReadOptionalString(root, "label");
        var baseline = ReadOptionalString(root, "baseline")?.ToLowerInvariant() switch
        {
            null or "pad" => ExplainBaseline.Pad,
            "mask" => ExplainBaseline.Mask,
            var other => throw PredictRequestReader.Invalid($"\"baseline\" must be \"pad\" or \"mask\", not \"{other}\""),
        };
        int steps = ExplainOptions.DefaultSteps;
        if (root.TryGetProperty("steps", out var stepsValue) && stepsValue.ValueKind != JsonValueKind.Null)
        {
            if (stepsValue.ValueKind != JsonValueKind.Number)
                throw PredictRequestReader.Invalid($"\"steps\" must be a whole number, not {PredictRequestReader.Describe(stepsValue.ValueKind)}");
            // 32.0 is 32, as Python's json.dumps writes a float holding it and as the fine-tuning API and the MCP tools
            // take it. A number, but a fraction (32.5) or beyond an int (1e11): said as what it is, not "not a number".
            if (!JsonWholeNumber.TryGetInt32(stepsValue, out steps))
                throw new ApiErrorException(StatusCodes.Status422UnprocessableEntity, "validation", $"\"steps\" is {stepsValue.GetRawText()}; it must be a whole number between 1 and {limits.MaxExplainSteps}");
            if (steps < 1 || steps > limits.MaxExplainSteps)
                throw new ApiErrorException(StatusCodes.Status422UnprocessableEntity, "validation", $"\"steps\" is {steps}; it must be between 1 and {limits.MaxExplainSteps}");
        }
        // An explained text costs dozens of predictions: never more of them than --max-inputs lets /predict take.
        int maxInputs = Math.Min(limits.MaxExplainInputsPerRequest, limits.MaxInputsPerRequest);
        var (texts, isBatch) = PredictRequestReader.ReadInputs(root.GetProperty("inputs"), maxInputs, limits.MaxCharsPerInput);
        // What every vocabulary drops is refused here, before the explanation queue takes a place or loads a model; the
        // model answering refuses what only its own drops (a lone accent, if uncased).
        PredictRequestReader.RequireTokens(texts, isBatch, NothingToClassify.Describe);
        return new ExplainRequest(texts, isBatch, new ExplainOptions { Steps = steps, Baseline = baseline, Label = label }, PredictRequestReader.ReadModel(root));
    }

    private static string? ReadOptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? PredictRequestReader.ReadText(value, $"\"{name}\"")
            : throw PredictRequestReader.Invalid($"\"{name}\" must be a string, not {PredictRequestReader.Describe(value.ValueKind)}");
    }
}
