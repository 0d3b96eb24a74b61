using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>The stage-1 loss and its temperature as options: checked up front, in the words every option uses.</summary>
public sealed class ContrastiveLossOptionsTests
{
    // 1e-50 became 0 as the graph's float (a NaN loss at step 1) and 1e39 infinity (a loss that never moved).
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.07, "-0.07")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(1e-50, "1e-50")]
    [InlineData(0.0009, "0.0009")]
    [InlineData(1000.5, "1000.5")]
    [InlineData(1e39, "1e39")]
    public void ATemperatureOutsideAThousandthToAThousandIsRefused(double temperature, string written)
    {
        var error = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { Loss = ContrastiveLoss.SupervisedContrastive, Temperature = temperature }.Validate);
        Assert.Equal("ContrastiveOptions.Temperature", error.Option);
        Assert.Equal($"ContrastiveOptions.Temperature = {written}: must be between 0.001 and 1000", error.Message);

        var artifacts = Assert.Throws<InvalidOptionException>(() => new TrainingArtifactsOptions
        {
            BaseModel = "unused", Objective = TrainingObjective.PairSimilarity, ContrastiveLoss = ContrastiveLoss.SupervisedContrastive, ContrastiveTemperature = temperature,
        }.Validate(encoderOnDisk: false));
        Assert.Equal($"TrainingArtifactsOptions.ContrastiveTemperature = {written}: must be between 0.001 and 1000", artifacts.Message);
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(1000.0)]
    public void TheBoundsThemselvesAreTaken(double temperature)
    {
        new ContrastiveOptions { Loss = ContrastiveLoss.SupervisedContrastive, Temperature = temperature }.Validate();
        new TrainingArtifactsOptions
        {
            BaseModel = "unused", Objective = TrainingObjective.PairSimilarity, ContrastiveLoss = ContrastiveLoss.SupervisedContrastive, ContrastiveTemperature = temperature,
        }.Validate(encoderOnDisk: false);
    }

    [Fact]
    public void TheDefaultsAreTheCosineLossAndSetFitsTemperature()
    {
        var options = new ContrastiveOptions();
        Assert.Equal(ContrastiveLoss.CosineSimilarity, options.Loss);
        Assert.Null(options.Temperature);
        Assert.Equal(0.07, options.TemperatureOrDefault);
        options.Validate();
        Assert.Equal("supcon", ContrastiveOptions.ShortName(ContrastiveLoss.SupervisedContrastive));
        Assert.Equal("cosine", ContrastiveOptions.ShortName(ContrastiveLoss.CosineSimilarity));
    }

    /// <summary>The cosine loss has no temperature: the command line refused --temperature without supcon, the library took one silently.</summary>
    [Fact]
    public void ATemperatureWithTheCosineLossIsRefused()
    {
        var error = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { Temperature = 0.1 }.Validate);
        Assert.Equal("ContrastiveOptions.Temperature = 0.1: applies to the SupervisedContrastive loss; the CosineSimilarity loss has no temperature", error.Message);
        new ContrastiveOptions { Loss = ContrastiveLoss.SupervisedContrastive, Temperature = 0.1 }.Validate();
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
