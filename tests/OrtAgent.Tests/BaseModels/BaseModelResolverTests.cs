using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.BaseModels;

[Collection(PulledModelsCollection.Name)]
public sealed class BaseModelResolverTests(PulledModelsFixture pulled) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static BaseModelResolver ResolverOver(string modelsRoot) =>
        new(new BaseModelStore(Options.Create(new OrtAgentPaths { ModelsRoot = modelsRoot }), NullLogger<BaseModelStore>.Instance));

    [Fact]
    public async Task KnownNamePullsThroughTheStore()
    {
        var store = new FakeBaseModelStore
        {
            OnPull = name => new BaseModelPullResult(PackagedBaseModelCatalog.Find(name)!, pulled.ModelDirectory(name), BaseModelPullOutcome.AlreadyPulled, null),
        };

        var model = await new BaseModelResolver(store).ResolveAsync("arctic-xs", CancellationToken.None);

        Assert.Equal(["arctic-xs"], store.Pulled);
        Assert.False(model.Architecture.HasPooler);
    }

    [Fact]
    public async Task KnownNameIsPulledWhenMissing()
    {
        var model = await ResolverOver(_temp.Path).ResolveAsync("minilm", CancellationToken.None);

        Assert.Equal(_temp.Combine("base", "minilm"), model.Directory);
        Assert.Equal(6, model.Architecture.Layers);
    }

    [Fact]
    public async Task DirectoryIsOpenedAndValidated()
    {
        var model = await ResolverOver(_temp.Path).ResolveAsync(pulled.ModelDirectory("minilm"), CancellationToken.None);

        Assert.Equal(1536, model.Architecture.IntermediateSize);
        Assert.False(Directory.Exists(_temp.Combine("base")));
    }

    [Fact]
    public async Task DirectoryWithoutVocabularyIsAUserError()
    {
        File.WriteAllText(_temp.Combine("model.onnx"), "");

        var ex = await Assert.ThrowsAsync<UserInputException>(() => ResolverOver(_temp.Path).ResolveAsync(_temp.Path, CancellationToken.None));

        Assert.Contains(_temp.Path, ex.Message);
        Assert.Contains("vocab.txt", ex.Message);
    }

    [Fact]
    public async Task NeitherNameNorDirectoryIsAUserErrorListingTheNames()
    {
        var ex = await Assert.ThrowsAsync<UserInputException>(() => ResolverOver(_temp.Path).ResolveAsync("bert-base", CancellationToken.None));

        Assert.Equal("base model 'bert-base' is neither a packaged model (minilm, arctic-xs) nor an existing directory", ex.Message);
    }

    [Fact]
    public async Task AFileIsAUserErrorSayingSo()
    {
        var file = Path.Combine(_temp.Path, "small.csv");
        File.WriteAllText(file, "text,label\n");

        var ex = await Assert.ThrowsAsync<UserInputException>(() => ResolverOver(_temp.Path).ResolveAsync(file, CancellationToken.None));

        Assert.Equal($"base model '{file}' is a file; a base model is a packaged name (minilm, arctic-xs) or a directory holding model.onnx and vocab.txt", ex.Message);
    }
}
