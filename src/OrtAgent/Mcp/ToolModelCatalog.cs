using ModelContextProtocol;

namespace OrtAgent.Mcp;

/// <summary>
/// The models the MCP tools can use, by name. A call that names no model gets the only one; with several loaded the
/// client must choose, and an unknown name is a tool error listing the names there are.
/// </summary>
internal sealed class ToolModelCatalog
{
    public ToolModelCatalog(IReadOnlyList<IToolModel> models)
    {
        if (models.Count == 0) throw new ArgumentException("at least one model is required", nameof(models));
        var duplicate = models.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"two models are both named '{duplicate.Key}'; the name is the model directory's, so give them directories with different names", nameof(models));
        Models = models;
    }

    public IReadOnlyList<IToolModel> Models { get; }

    /// <summary>A model is called by its directory's name, as a person would say "the tickets model".</summary>
    public static string NameFor(string directory) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));

    /// <summary>The model called <paramref name="name"/>, or the only model when no name is given.</summary>
    /// <exception cref="McpException">No model has that name, or several are loaded and none was named.</exception>
    public IToolModel Find(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            if (Models.Count == 1) return Models[0];
            throw new McpException($"several models are loaded ({Names}); say which one with the 'model' argument");
        }
        return Models.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new McpException($"no model is named '{name}'; the loaded models are: {Names} (list_models describes them)");
    }

    private string Names => string.Join(", ", Models.Select(m => m.Name));
}
