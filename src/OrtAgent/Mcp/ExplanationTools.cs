using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ModelContextProtocol;
using OrtAgent.Explanations;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>The <c>explain_text</c> tool: the words that drove a classification, for and against the label.</summary>
[McpServerToolType]
internal sealed class ExplanationTools(ToolModelCatalog catalog, ToolLimits limits, ExplanationQueue explanations, ILogger<ExplanationTools> logger)
{
    /// <summary>Most words listed on each side, so a long text does not flood the model's context.</summary>
    public const int MaxTop = 50;


    /// <summary>The relative completeness gap below which an explanation is called faithful (as the result's schema says).</summary>
    public const double FaithfulGap = 0.05;

    [McpServerTool(Name = "explain_text", Title = "Explain a classification", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Explains why a text classifier gave one text its label: lists the words that pushed the model toward the label "
        + "and the words that pushed it away, strongest first, each with its attribution (integrated gradients over the word embeddings, "
        + "in logit units: positive supports the label, negative opposes it). Explains the predicted label unless 'label' names another. "
        + "Slower than classify_text: it runs the model forward and backward 'steps' times (32 by default) for the one text. "
        + "Use it to check that a decision rests on sensible words.")]
    public async Task<ExplanationResult> ExplainTextAsync(
        [Description("The text to explain.")] string text,
        [Description("The label to explain, as list_models reports the model's labels. Leave out to explain the predicted label.")] string? label = null,
        [Description("How many words to list on each side (for and against), 1 to 50. Default 5.")][Range(1, MaxTop)] int top = 5,
        [Description("Name of the model to use, as list_models reports it. May be left out when only one model is loaded.")] string? model = null,
        [Description("Path points of the integrated gradients, each one more run of the model. Default 32; more make the attributions "
            + "add up more exactly to the label's logit (a smaller relative_completeness_gap) and take longer.")][Range(1, ExplainOptions.MaxSteps)] int steps = ExplainOptions.DefaultSteps,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var input = ToolArguments.Texts(text, null, limits)[0];
        // What every vocabulary drops, before the queue; the model answering refuses what only its own drops.
        ToolArguments.RequireTokens([input], oneText: true, NothingToClassify.Describe);
        // The server's guard refuses it by the schema first; this is for a call that reaches the method otherwise.
        if (top is < 1 or > MaxTop) throw ArgumentRange.Integers(1, MaxTop).Refusal("top", top.ToString(CultureInfo.InvariantCulture));
        // The server's cap, as /explain takes it: it may be below the library's, which is the most a schema could name.
        if (steps < 1 || steps > limits.MaxExplainSteps)
            throw ArgumentRange.Integers(1, limits.MaxExplainSteps).Refusal("steps", steps.ToString(CultureInfo.InvariantCulture));
        var chosen = catalog.Find(model);
        McpException NotALabel(IReadOnlyList<string> labels) => new($"'{label}' is not a label of {chosen.Name}; its labels are: {string.Join(", ", labels)}");
        // Read once: a service's model reads it from its export's metadata.
        if (label is not null && chosen.Info.Labels is var labels && !labels.Contains(label)) throw NotALabel(labels);
        // Through the server's queue, shared with POST /explain: one at a time, never on the transport's thread, and a
        // call beyond the queue is told to come back rather than left holding a thread while it waits.
        // Bound by the SDK (no schema property), a notification only where the call carried a progress token: the path
        // points run so far, after the path's ends and after each run of points, so a host shows how far it is and keeps
        // a long call alive.
        var options = new ExplainOptions { Label = label, Steps = steps, Progress = progress is null ? null : PathPointProgress(progress, steps) };
        TextExplanation explanation;
        try
        {
            explanation = await explanations.TryExplainAsync(chosen, classifier =>
                {
                    // The model answering decides (an uncased one drops a lone accent), as classify_text asks it.
                    ToolArguments.RequireTokens([input], oneText: true, text => NothingToClassify.Describe(text, classifier.Encoder));
                    return classifier.Explain(input, options, cancellationToken);
                }, cancellationToken)
                .ConfigureAwait(false) ?? throw new McpException($"the server is busy: {explanations.BusyMessage}");
        }
        catch (InvalidOptionException ex) when (ex.Option == InvalidOptionException.Name<ExplainOptions>(nameof(ExplainOptions.Label)))
        {
            // Checked above, but judged by the model answering at the call's turn, as /explain judges it: serve's model,
            // reloaded meanwhile, may have other labels.
            throw NotALabel(chosen.Info.Labels);
        }
        catch (ModelLoadException ex)
        {
            // A model exported without explain.onnx (the message says how to add it), or one replaced on disk since it
            // was loaded and still served (a service's model deleted meanwhile is refused as gone, by the queue).
            var problem = chosen.Describe(ex);
            logger.LogWarning("explain_text: the model {Model} cannot be explained: {Problem}", chosen.Name, problem.ForLog);
            throw new McpException($"{chosen.Name} cannot be explained: {problem.ForClients}");
        }
        return new ExplanationResult(
            chosen.Name,
            explanation.Label,
            explanation.PredictedLabel,
            explanation.Probabilities[explanation.Label],
            explanation.Words.Where(w => w.Attribution > 0).OrderByDescending(w => w.Attribution).Take(top).Select(ToWord).ToArray(),
            explanation.Words.Where(w => w.Attribution < 0).OrderBy(w => w.Attribution).Take(top).Select(ToWord).ToArray(),
            explanation.RelativeCompletenessGap,
            explanation.Steps,
            explanation.Truncated,
            explanation.ExplainsFloat32OfInt8 ? ExplainedWeightsNote.Value : null,
            Advice(explanation.RelativeCompletenessGap, steps, limits.MaxExplainSteps));
    }

    /// <summary>The library's count of path points run, as MCP progress out of <paramref name="steps"/>, saying what is computed.</summary>
    internal static IProgress<int> PathPointProgress(IProgress<ProgressNotificationValue> progress, int steps) =>
        new Progress.SynchronousProgress<int>(done => progress.Report(new ProgressNotificationValue
        {
            Progress = done,
            Total = steps,
            Message = done == 0
                ? $"integrated gradients: the label is predicted; running {steps} path points, each a forward and backward run of the model"
                : $"integrated gradients: {done} of {steps} path points run",
        }));

    /// <summary>What to do about a gap above <see cref="FaithfulGap"/>: ask again with more steps, while the server allows more.</summary>
    internal static string? Advice(double gap, int steps, int maxSteps)
    {
        if (!(gap > FaithfulGap)) return null;
        string measured = $"relative_completeness_gap {gap.ToString("0.###", CultureInfo.InvariantCulture)} is above {FaithfulGap.ToString(CultureInfo.InvariantCulture)}, so the attributions are approximate";
        return steps < maxSteps
            ? $"{measured}; call again with a larger 'steps' (this call took {steps}, this server takes up to {maxSteps}) for a more faithful explanation"
            : $"{measured}; 'steps' is already {steps}, the most this server takes";
    }

    /// <remarks>
    /// Without bidirectional controls (U+202E and its kind): the tokenizer drops them, as format characters, so the
    /// model never read them, and raw in a result they could reorder how an agent's UI shows the words after them.
    /// </remarks>
    private static ExplainedWord ToWord(WordAttribution word)
    {
        if (word.Text.AsSpan().IndexOfAny(BidiControls.All) < 0) return new(word.Text, word.Start, word.Attribution);
        // The word given starts at its first character kept, so text[start..] reads it: past the controls stripped before it.
        int leadingControls = word.Text.Length - word.Text.AsSpan().TrimStart(BidiControls.All).Length;
        return new(string.Concat(word.Text.Where(c => !BidiControls.Contains(c))), word.Start + leadingControls, word.Attribution);
    }
}
