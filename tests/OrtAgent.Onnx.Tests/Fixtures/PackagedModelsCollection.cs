namespace OrtAgent.Onnx.Tests;

/// <summary>Shares one <see cref="PackagedEncoders"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class PackagedModelsCollection : ICollectionFixture<PackagedEncoders>
{
    public const string Name = "Packaged models";
}
