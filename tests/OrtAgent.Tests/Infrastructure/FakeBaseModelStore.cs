using OrtAgent.BaseModels;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>A hand-written <see cref="IBaseModelStore"/> that records pulls and answers with a preset result.</summary>
internal sealed class FakeBaseModelStore : IBaseModelStore
{
    public List<string> Pulled { get; } = [];

    public Func<string, BaseModelPullResult> OnPull { get; set; } = name =>
        new BaseModelPullResult(PackagedBaseModelCatalog.Find(name)!, "/fake/" + name, BaseModelPullOutcome.Extracted, null);

    public IReadOnlyList<BaseModelListEntry> Entries { get; set; } = [];

    public Task<IReadOnlyList<BaseModelListEntry>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(Entries);

    public Task<BaseModelPullResult> PullAsync(string name, CancellationToken cancellationToken)
    {
        Pulled.Add(name);
        return Task.FromResult(OnPull(name));
    }
}
