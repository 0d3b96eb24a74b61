using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Tests.Parameters;

public sealed class NameGlobTests
{
    /// <summary>
    /// A module's name takes everything under it, as PyTorch's module names do: <c>embeddings</c> matched nothing, so
    /// <c>train --freeze embeddings</c>, the form its help showed, was refused. Only at a dot: layer 1 is not layer 10.
    /// </summary>
    [Theory]
    [InlineData("embeddings", "embeddings.word_embeddings.weight", true)]
    [InlineData("embeddings", "embeddings.LayerNorm.bias", true)]
    [InlineData("encoder.layer.1", "encoder.layer.1.output.dense.weight", true)]
    [InlineData("encoder.layer.1", "encoder.layer.10.output.dense.weight", false)]
    [InlineData("encoder.layer.1.out", "encoder.layer.1.output.dense.weight", false)]
    [InlineData("embed", "embeddings.word_embeddings.weight", false)]
    [InlineData("classifier.weight", "classifier.weight", true)]
    [InlineData("classifier.weight", "classifier.weights", false)]
    [InlineData("embeddings.*", "embeddings.word_embeddings.weight", true)]
    [InlineData("*.attention", "encoder.layer.0.attention.self.query.weight", true)]
    [InlineData("*.bias", "encoder.layer.0.output.dense.bias", true)]
    [InlineData("*.bias", "encoder.layer.0.output.dense.weight", false)]
    [InlineData("encoder.layer.?", "encoder.layer.3.output.dense.weight", true)]
    [InlineData("encoder.layer.?", "encoder.layer.12.output.dense.weight", false)]
    public void APatternMatchesANameOrTheModuleItBelongsTo(string pattern, string name, bool matches) =>
        Assert.Equal(matches, NameGlob.Parse(pattern).IsMatch(name));
}
