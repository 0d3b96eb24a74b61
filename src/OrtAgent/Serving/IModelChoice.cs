using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// How a server's <c>/predict</c>, <c>/explain</c> and <c>/info</c> choose their model by the name a request gives as
/// <c>model</c>: <c>serve</c>'s one model in its slot (<see cref="SlotModelChoice"/>), or any model a fine-tuning
/// service serves. Every refusal is an <see cref="ApiErrorException"/>, which the routes answer in serve's error body.
/// </summary>
internal interface IModelChoice
{
    /// <summary>The model a request means: the one it names, checked to be served, or the server's default when it names none.</summary>
    /// <exception cref="ApiErrorException">No model by that name is served (404), it cannot be served (a base encoder, 400), or none was named and there is no default (400).</exception>
    string Choose(string? model);

    /// <summary>
    /// Refuses a <c>model</c> given empty or blank (400), before <see cref="Choose"/> looks it up: it is a client's slip,
    /// told as one (it was a 404 "The model '' does not exist"), and not the absent name that picks the default.
    /// </summary>
    /// <exception cref="ApiErrorException">The name is empty or blank.</exception>
    static void RefuseBlank(string? model)
    {
        if (model is not null && string.IsNullOrWhiteSpace(model))
            throw new ApiErrorException(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, "validation",
                "\"model\" is empty: name a served model, or leave \"model\" out for the server's default");
    }

    /// <summary>What model <paramref name="name"/> says about itself, read without loading it.</summary>
    /// <exception cref="ApiErrorException">The model is not served (404, 400), or its description cannot be read (503).</exception>
    ClassifierModelInfo Info(string name);

    /// <summary>
    /// Takes model <paramref name="name"/> for one request, loading it first if it must (waiting without a thread); the
    /// caller releases it. Neither a reload nor a delete meanwhile frees it under the request. An explanation takes it
    /// through the <see cref="ExplanationQueue"/>, which loads it before the request's turn and takes it at the turn.
    /// </summary>
    /// <exception cref="ApiErrorException">The model is not served (404, 400) or cannot be loaded now (503).</exception>
    Task<ServedClassifier> AcquireAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="exception"/>, a problem with the files of model <paramref name="name"/>, described for the log
    /// (in full) and for clients (without the server's paths).
    /// </summary>
    (string ForLog, string ForClients) DescribeProblem(string name, ModelLoadException exception);

    /// <summary>What <c>/info</c> adds about how the server batches <c>/predict</c> and, on <c>serve</c>, reloads its model.</summary>
    ServeInfo? Serving { get; }
}

/// <summary>
/// A server's own part of <c>/info</c>: its micro-batching settings and, on <c>serve</c>, how many reloads have
/// succeeded (null on the fine-tuning service, which never reloads a model).
/// </summary>
internal sealed record ServeInfo(int MaxBatch, int MaxWaitMs, int? Reloads);
