using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary><c>ortagent artifacts</c>: generates a directory that opens, regenerates it in place, and never writes into a user's.</summary>
public sealed class ArtifactsCommandTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private Task<CliRun> Generate(string output, params string[] extra) =>
        CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "negative", "positive", "--output", output, .. extra]);

    /// <summary>
    /// A negative seed was taken here while train refused it (and the fine-tuning API allows 0 to 2147483647); one too
    /// large to read named the range -2147483648 to 2147483647.
    /// </summary>
    [Theory]
    [InlineData("-5", "error: --seed -5: must be 0 or more")]
    [InlineData("99999999999", "error: --seed '99999999999': expected a whole number from 0 to 2147483647; see 'ortagent artifacts --help'")]
    public async Task ASeedOutOfRangeNamesItsFlagAndWritesNothing(string seed, string message)
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--seed", seed, "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(message, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    [Fact]
    public async Task GeneratesArtifactsThatOpenAndRegeneratesThemInPlace()
    {
        var output = _work.Combine("artifacts", "m");
        var first = await Generate(output);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("all three graphs load in ONNX Runtime", first.Output);
        var artifacts = TrainingArtifacts.Open(output);
        Assert.Equal(["negative", "positive"], artifacts.Properties.Labels);

        var again = await Generate(output, "--seed", "7");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(7, TrainingArtifacts.Open(output).Properties.Seed);
    }

    /// <summary>It used to replace a trained run's checkpoint with untrained weights and keep its state and best model beside them.</summary>
    [Fact]
    public async Task RefusesARunThatHasTrainedAndLeavesItAsItWas()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var trained = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(trained, "checkpoint", "model.safetensors");
        var before = File.ReadAllBytes(checkpoint);

        var again = await Generate(trained);

        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"error: --output {trained}: holds a training run that has taken steps; new artifacts would replace its checkpoint, so choose a new directory (or delete this one first)",
            Assert.Single(again.ErrorLines));
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Theory]
    [InlineData("a directory of the user's files", "holds files that are not training artifacts ('thesis.txt'); choose a new or empty directory")]
    [InlineData("a file", "is a file, not a directory")]
    public async Task RefusesAUsersDestinationWithOneLineAndWritesNothing(string name, string expected)
    {
        var output = _work.Combine("docs");
        if (name == "a file") File.WriteAllText(output, "keep");
        else
        {
            Directory.CreateDirectory(output);
            File.WriteAllText(Path.Combine(output, "thesis.txt"), "keep");
        }
        var before = TreeSnapshot.Take(_work.Path);

        var run = await Generate(output);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {output}: {expected}", Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }

    /// <summary>The head's weight is hidden × labels floats in one tensor; a huge count overflowed it (an internal error).</summary>
    [Theory]
    [InlineData("100001", "error: --num-labels 100001: must be between 1 and 100000; see 'ortagent artifacts --help'")]
    [InlineData("0", "error: --num-labels 0: must be between 1 and 100000; see 'ortagent artifacts --help'")]
    public async Task ALabelCountOutOfRangeNamesItsFlagAndWritesNothing(string count, string expected)
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--num-labels", count, "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith(expected, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    /// <summary>A single label with the default loss, and a layer range that does not parse, were refused naming no flag.</summary>
    [Theory]
    [InlineData(new[] { "--num-labels", "1" }, "error: --num-labels 1: cross-entropy needs at least 2 labels; for a single regression output set --loss to mse")]
    [InlineData(new[] { "--num-labels", "1", "--loss", "kd" }, "error: --num-labels 1: distillation needs at least 2 labels; for a single regression output set --loss to mse")]
    [InlineData(new[] { "--freeze-layers", "abc" }, "error: --freeze-layers 'abc': 'abc' is not N or N-M (for example 0-3)")]
    public async Task AnOptionTheLossOrTheLayersRefuseIsNamedAsItsFlag(string[] options, string expected)
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, .. options, "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(expected, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    [Fact]
    public async Task ALabelNamedTwiceNamesItsFlagAndWritesNothing()
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--num-labels", "3", "--labels", "a", "b", "a", "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --labels: 'a' is given twice; each label needs a distinct name; see 'ortagent artifacts --help'", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    /// <summary>
    /// Labels that differ only in case (or only look different) were taken as two classes, which a data file's labels
    /// are refused for; --labels is refused by the same check, before anything is written.
    /// </summary>
    [Fact]
    public async Task LabelsThatDifferOnlyInCaseAreRefusedAsInADataFile()
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "Spam", "spam", "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --labels: the labels 'Spam' and 'spam' differ only in case, so they would be trained as different classes; write them one way; "
            + "see 'ortagent artifacts --help'", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    /// <summary>--labels takes names separated by spaces; "a,b,c" was one label, and the count error did not say why.</summary>
    [Fact]
    public async Task CommaSeparatedLabelsAreExplainedWhenTheCountIsOff()
    {
        var run = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--num-labels", "3", "--labels", "a,b,c", "--output", _work.Combine("artifacts", "m")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --labels names 1 labels but --num-labels is 3; labels are separated by spaces (--labels a b), not commas", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    [Fact]
    public async Task ArtifactsARunIsTrainingInAreNotReplaced()
    {
        var output = _work.Combine("artifacts", "m");
        var first = await Generate(output);
        Assert.True(first.ExitCode == 0, first.ToString());
        using var training = OrtAgent.FineTuning.TrainingDestinations.ClaimArtifacts(output);   // as a train run holds them
        var before = TreeSnapshot.Take(_work.Path);

        var run = await Generate(output, "--seed", "7");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {output}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish, or give this run another --output",
            Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }
}
