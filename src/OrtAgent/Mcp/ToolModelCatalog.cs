using ModelContextProtocol;

namespace OrtAgent.Mcp;

/// <summary>
/// The models the MCP tools can use, by name. A call that names no model gets the only one; with several loaded the
/// client must choose, and an unknown name is a tool error listing the names there are. A fixed catalog holds the
/// models given at start; a live one asks its source on every call, so the fine-tuning service's tools see a model
/// the moment its job succeeds.
/// </summary>
internal sealed class ToolModelCatalog
{
    private readonly Func<IReadOnlyList<IToolModel>> _source;
    private readonly Func<string, string?> _whyNotServed = _ => null;
    // Whether the caller may start a fine-tuning job, which the way out of "no model is served yet" needs.
    private readonly Func<bool> _callerMayFineTune = () => true;

    /// <summary>A fixed catalog: at least one model, no two with the same name.</summary>
    /// <exception cref="UserInputException">There is no model, or two share a name (the directories given were the user's).</exception>
    public ToolModelCatalog(IReadOnlyList<IToolModel> models)
    {
        if (models.Count == 0) throw new UserInputException("at least one model is required");
        var duplicate = models.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new UserInputException($"two models are both named '{duplicate.Key}'; the name is the model directory's, so give them directories with different names");
        _source = () => models;
    }

    private ToolModelCatalog(Func<IReadOnlyList<IToolModel>> source, Func<string, string?> whyNotServed, Func<bool> callerMayFineTune) =>
        (_source, _whyNotServed, _callerMayFineTune) = (source, whyNotServed, callerMayFineTune);

    /// <summary>
    /// A live catalog over <paramref name="source"/>, which may be empty and must name its models uniquely.
    /// <paramref name="whyNotServed"/> says why a name the source does not serve is known all the same (a base encoder
    /// the service fine-tunes), or null for a name it does not know. <paramref name="callerMayFineTune"/> says whether
    /// the caller of the moment may start a fine-tuning job (an inference key may not), so that an empty catalog's
    /// answer names a way out it can take.
    /// </summary>
    public static ToolModelCatalog Live(Func<IReadOnlyList<IToolModel>> source, Func<string, string?>? whyNotServed = null, Func<bool>? callerMayFineTune = null) =>
        new(source, whyNotServed ?? (_ => null), callerMayFineTune ?? (() => true));

    public IReadOnlyList<IToolModel> Models => _source();

    /// <summary>The model called <paramref name="name"/>, or the only model when no name is given.</summary>
    /// <exception cref="McpException">No model has that name, the name is empty, or several are loaded and none was named.</exception>
    public IToolModel Find(string? name)
    {
        var models = Models;
        if (models.Count == 0)
            throw new McpException((!string.IsNullOrWhiteSpace(name) && _whyNotServed(name.Trim()) is { } reason ? reason + "; " : "")
                + (_callerMayFineTune()
                    ? "no model is served yet; fine-tune one with start_fine_tuning and use its fine_tuned_model once the job has succeeded"
                    : "no model is served yet, and fine-tuning one " + FineTuningService.Models.ServedModels.FineTuningNeedsAFullKey));
        // Given but empty is a mistake (a template left unfilled), not a choice of the default: /predict refuses it too.
        if (name is not null && string.IsNullOrWhiteSpace(name))
            throw new McpException(models.Count == 1
                ? $"'model' is {(name.Length == 0 ? "empty" : "blank")}: name the loaded model ({models[0].Name}), or leave 'model' out to use it"
                : $"'model' is {(name.Length == 0 ? "empty" : "blank")}: name one of the loaded models ({Names(models)})");
        if (name is null)
        {
            if (models.Count == 1) return models[0];
            throw new McpException($"several models are loaded ({Names(models)}); say which one with the 'model' argument");
        }
        return models.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new McpException(_whyNotServed(name.Trim()) is { } why ? $"{why}; the models to classify with are: {Names(models)}"
                : $"no model is named '{name}'; the loaded models are: {Names(models)} (list_models describes them)");
    }

    private static string Names(IReadOnlyList<IToolModel> models) => string.Join(", ", models.Select(m => m.Name));
}
