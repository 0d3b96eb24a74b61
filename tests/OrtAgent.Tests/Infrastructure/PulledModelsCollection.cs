namespace OrtAgent.Tests.Infrastructure;

/// <summary>Tests that share one pulled copy of the packaged base models.</summary>
[CollectionDefinition(Name)]
public sealed class PulledModelsCollection : ICollectionFixture<PulledModelsFixture>
{
    public const string Name = "pulled base models";
}
