namespace OrtAgent.Serving;

/// <summary>
/// One model as an explanation takes it through the <see cref="ExplanationQueue"/>: <c>serve</c>'s model in its slot,
/// a model of the fine-tuning service, or one <c>ortagent mcp</c> loaded, whether <c>POST /explain</c> chose it (each
/// server's <see cref="IModelChoice"/>) or an MCP tool did (<see cref="Mcp.IToolModel"/>). Each refuses in its caller's
/// words: an <see cref="ApiErrorException"/> for the HTTP routes, an MCP tool error for the tools.
/// </summary>
internal interface IExplainedModel
{
    /// <summary>
    /// Takes the model for one use, loading it first if it must (waiting without a thread); the caller releases it.
    /// Neither a reload nor a delete meanwhile frees it under the caller.
    /// </summary>
    Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Refuses the model, as a request naming it now is refused, when it is no longer served (a service's model
    /// deleted); returns for one still served, and always for a model that cannot be deleted.
    /// </summary>
    void RefuseIfGone();
}
