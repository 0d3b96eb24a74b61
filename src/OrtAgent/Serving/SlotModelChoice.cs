using Microsoft.AspNetCore.Http;
using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary><c>serve</c>'s one model, in its slot, as its routes choose it: a <c>model</c> naming another is a 404.</summary>
internal sealed class SlotModelChoice(ServingOptions options, ClassifierSlot slot) : IModelChoice
{
    // The slot's directory is fixed for the server's life (a reload reads it again), and so is its name.
    public string Name { get; } = ServingEndpoints.ModelName(slot.Directory);

    public string Choose(string? model)
    {
        IModelChoice.RefuseBlank(model);
        return model is null || model == Name ? Name
            : throw new ApiErrorException(StatusCodes.Status404NotFound, "not_found", $"model '{model}' is not served here" + (ModelNameCase.Hint(model, [Name]) is { Length: > 0 } hint ? hint : $"; this server serves '{Name}'"));
    }

    public ClassifierModelInfo Info(string name) => slot.Info;

    // The slot always holds a loaded model: serve loads it before it listens, and a reload swaps in a loaded one.
    public Task<ServedClassifier> AcquireAsync(string name, CancellationToken cancellationToken) => Task.FromResult(slot.Acquire());

    public (string ForLog, string ForClients) DescribeProblem(string name, ModelLoadException exception) =>
        ModelProblemText.Describe(exception, slot.Directory, name);

    public ServeInfo Serving => new(options.MaxBatch, options.MaxWaitMs, slot.ReloadCount);
}
