using OrtAgent.Training.BaseModels;

namespace OrtAgent.BaseModels;

/// <summary>Resolves base-model names through the <see cref="IBaseModelStore"/> and directories through <see cref="BaseModel.Open"/>.</summary>
internal sealed class BaseModelResolver(IBaseModelStore store) : IBaseModelResolver
{
    public async Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken)
    {
        if (PackagedBaseModelCatalog.Find(nameOrDirectory) is { } packaged)
        {
            var pulled = await store.PullAsync(packaged.Name, cancellationToken).ConfigureAwait(false);
            return BaseModel.Open(pulled.Directory);
        }
        if (Directory.Exists(nameOrDirectory))
            return BaseModel.Open(nameOrDirectory);
        if (File.Exists(nameOrDirectory))
            throw new UserInputException(
                $"base model '{nameOrDirectory}' is a file; a base model is a packaged name ({PackagedBaseModelCatalog.KnownNames}) or a directory holding model.onnx and vocab.txt");
        throw new UserInputException(
            $"base model '{nameOrDirectory}' is neither a packaged model ({PackagedBaseModelCatalog.KnownNames}) nor an existing directory");
    }
}
