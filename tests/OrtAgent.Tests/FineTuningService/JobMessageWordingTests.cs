using OrtAgent.FineTuningService.Jobs;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job's events and failures reach an API caller, who knows hyperparameters, not the libraries' option types: the
/// libraries' messages named <c>ContrastiveOptions.HeadC</c> or <c>FineTuningOptions.BatchSize</c> there unchanged.
/// </summary>
public sealed class JobMessageWordingTests
{
    [Theory]
    [InlineData("FineTuningOptions.BatchSize = 8: the checkpoint being resumed was trained at batch size 16",
        "hyperparameters.batch_size = 8: the checkpoint being resumed was trained at batch size 16")]
    [InlineData("FineTuningOptions.Epochs = 0: must be at least 1", "hyperparameters.n_epochs = 0: must be at least 1")]
    [InlineData("FineTuningOptions.Seed = 3: the checkpoint being resumed was trained with seed 7",
        "seed = 3: the checkpoint being resumed was trained with seed 7")]
    [InlineData("FineTuningOptions.LearningRate = 2: must be above 0 and below 1",
        "the learning rate (0.00005 × hyperparameters.learning_rate_multiplier) = 2: must be above 0 and below 1")]
    [InlineData("ContrastiveOptions.BatchSize = 8: the checkpoint being resumed was trained at batch size 16",
        "method.contrastive.hyperparameters.batch_size = 8: the checkpoint being resumed was trained at batch size 16")]
    [InlineData("ContrastiveOptions.Epochs = 0: must be at least 1", "method.contrastive.hyperparameters.n_epochs = 0: must be at least 1")]
    [InlineData("ContrastiveOptions.PairRounds = 900000: makes 64,800,000 pairs of 36 training examples; at most 10,000,000 are sampled",
        "method.contrastive.hyperparameters.pair_rounds = 900000: makes 64,800,000 pairs of 36 training examples; at most 10,000,000 are sampled")]
    [InlineData("the loss at step 9 is NaN; lower ContrastiveOptions.LearningRate",
        "the loss at step 9 is NaN; lower the learning rate (0.00002 × method.contrastive.hyperparameters.learning_rate_multiplier)")]
    [InlineData("ContrastiveOptions.Seed = 3: the checkpoint being resumed was trained with seed 7", "seed = 3: the checkpoint being resumed was trained with seed 7")]
    public void AnOptionSetFromAHyperparameterIsNamedAsTheHyperparameter(string library, string api) =>
        Assert.Equal(api, JobMessageWording.InText(library));

    [Fact]
    public void AnOptionTheCallerCannotSetIsNamedInPlainWords()
    {
        Assert.Equal("Head C on the validation split (3 validation examples are under 16, but a class has a single training example, so there is no " +
                     "cross-validation: the choice is noise; the service's head C setting fixes C)",
            JobMessageWording.InText("Head C on the validation split (3 validation examples are under 16, but a class has a single training example, so there is no " +
                                     "cross-validation: the choice is noise; ContrastiveOptions.HeadC fixes C)"));
        Assert.Equal("the service's minimum validation to select setting = 16", JobMessageWording.InText("FineTuningOptions.MinimumValidationToSelect = 16"));
        // The request's own validation examples are its validation_file, not "the service's validation path setting FILE".
        Assert.Equal("give validation examples with validation_file, or at least two examples of a label",
            JobMessageWording.InText("give validation examples with TrainJobOptions.ValidationPath FILE, or at least two examples of a label"));
    }

    [Fact]
    public void TextWithoutOptionsIsKept() =>
        Assert.Equal("Epoch 1 evaluation at step 4: validation loss=0.5; Options.X and FineTuningOptions are words",
            JobMessageWording.InText("Epoch 1 evaluation at step 4: validation loss=0.5; Options.X and FineTuningOptions are words"));
}
