using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>The stage-1 loss and its temperature as options: checked up front, in the words every option uses.</summary>
public sealed class ContrastiveLossOptionsTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.07)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ATemperatureThatIsNotPositiveAndFiniteIsRefused(double temperature)
    {
        var error = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { Loss = ContrastiveLoss.SupervisedContrastive, Temperature = temperature }.Validate);
        Assert.Equal("ContrastiveOptions.Temperature", error.Option);
        Assert.Equal($"ContrastiveOptions.Temperature = {InvalidOptionException.Display(temperature)}: must be a positive finite number", error.Message);

        var artifacts = Assert.Throws<InvalidOptionException>(() => new TrainingArtifactsOptions
        {
            BaseModel = "unused", Objective = TrainingObjective.PairSimilarity, ContrastiveLoss = ContrastiveLoss.SupervisedContrastive, ContrastiveTemperature = temperature,
        }.Validate(encoderOnDisk: false));
        Assert.Equal("TrainingArtifactsOptions.ContrastiveTemperature", artifacts.Option);
    }

    [Fact]
    public void TheDefaultsAreTheCosineLossAndSetFitsTemperature()
    {
        var options = new ContrastiveOptions();
        Assert.Equal(ContrastiveLoss.CosineSimilarity, options.Loss);
        Assert.Equal(0.07, options.Temperature);
        options.Validate();
        Assert.Equal("supcon", ContrastiveOptions.ShortName(ContrastiveLoss.SupervisedContrastive));
        Assert.Equal("cosine", ContrastiveOptions.ShortName(ContrastiveLoss.CosineSimilarity));
    }

    [Fact]
    public void AnUndefinedLossIsRefused()
    {
        var error = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { Loss = (ContrastiveLoss)7 }.Validate);
        Assert.Equal("ContrastiveOptions.Loss = 7: must be CosineSimilarity or SupervisedContrastive", error.Message);
    }

    [Fact]
    public void ClassificationArtifactsTakeNoContrastiveLoss()
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            new TrainingArtifactsOptions { BaseModel = "unused", ContrastiveLoss = ContrastiveLoss.SupervisedContrastive }.Validate(encoderOnDisk: false));
        Assert.Equal("TrainingArtifactsOptions.ContrastiveLoss", error.Option);
    }
}
