namespace OrtAgent.Training.Tests;

/// <summary>Shares one <see cref="PackagedEncoders"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<PackagedEncoders>
{
    public const string Name = "MiniLM";
}
