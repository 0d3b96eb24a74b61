using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Runtime;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>
/// A checkpoint save that fails partway (a full disk: seen by hand with train, distill and fine-tuning jobs on a small
/// tmpfs) keeps the checkpoint there was and leaves nothing beside it. It left <c>checkpoint.next/</c> with the tensors
/// written so far, a checkpoint's worth of the space the error line asked the user to free.
/// </summary>
public sealed class FailedSaveTests : IDisposable
{
    private readonly TempDirectory _root = new("failed-save");
    private readonly TrainingArtifacts _run;

    public FailedSaveTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _run = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ASaveThatFindsTheDiskFullLeavesTheCheckpointAsItWasAndNothingBesideIt()
    {
        var before = File.ReadAllBytes(_run.ModelCheckpointPath);
        var parameters = SafeTensorsReader.Read(_run.ModelCheckpointPath).Tensors;
        var optimizerState = SafeTensorsReader.Read(_run.OptimizerCheckpointPath).Tensors;

        // The model's tensors are written; the optimizer's are cut short as a write into a full disk is.
        var full = new IOException("No space left on device : 'checkpoint.next/.optimizer.safetensors.tmp-1'", 28);
        var thrown = Assert.Throws<IOException>(() =>
            _run.SaveCheckpoint(parameters, FailAfterFirst(optimizerState, full), _run.Properties, new TrainerState { Step = 1 }.ToJson()));

        Assert.Same(full, thrown);
        Assert.False(Directory.Exists(_run.CheckpointDirectory + ".next"), "the failed save's checkpoint.next is left");
        Assert.Equal(before, File.ReadAllBytes(_run.ModelCheckpointPath));
        Assert.False(File.Exists(_run.TrainerStatePath));
    }

    /// <summary>
    /// The error of a save the disk cut short, as the command line tells it (<see cref="TemporarySiblings.NameDestinations"/>),
    /// names the checkpoint's file: it named <c>checkpoint.next/optimizer.safetensors</c>, a folder the failure removed.
    /// </summary>
    [Fact]
    public void ASaveThatFindsTheDiskFullIsToldAsTheCheckpointsFile()
    {
        var parameters = SafeTensorsReader.Read(_run.ModelCheckpointPath).Tensors;
        var optimizerState = SafeTensorsReader.Read(_run.OptimizerCheckpointPath).Tensors;
        var next = _run.CheckpointDirectory + ".next";
        // The first file's temporary, which the disk refuses as it is created.
        var full = new IOException($"No space left on device : '{Path.Combine(next, $".{TrainingArtifacts.ModelCheckpointFile}.tmp-{Environment.ProcessId}")}'", 28);

        IOException thrown;
        using (CreationFault.ArmIn(next, full))
            thrown = Assert.Throws<IOException>(() => _run.SaveCheckpoint(parameters, optimizerState, _run.Properties, new TrainerState { Step = 1 }.ToJson()));

        Assert.Same(full, thrown);
        Assert.Equal($"No space left on device : '{Path.Combine(_run.CheckpointDirectory, TrainingArtifacts.ModelCheckpointFile)}'", TemporarySiblings.NameDestinations(thrown.Message));
    }

    /// <summary>
    /// An export the disk cuts short, as the command line tells it, names the destination's file: it named the
    /// staging directory's <c>model.onnx.tmp</c> (and <c>explain.onnx.tmp</c>) under the destination's name, a file
    /// no export leaves there. (<c>explain.onnx</c> is written the same way, after <c>model.onnx</c>.)
    /// </summary>
    [Fact]
    public void AnExportThatFindsTheDiskFullIsToldAsTheModelsFile()
    {
        var output = _root.Combine("exported");
        var staging = Path.Combine(_root.Path, $"exported.tmp-{Environment.ProcessId}");
        // The failure the disk gives as the first file, model.onnx, is written there under its temporary name.
        var full = new IOException($"No space left on device : '{Path.Combine(staging, ModelContract.ModelFile)}.tmp'", 28);

        IOException thrown;
        using (CreationFault.ArmIn(staging, full))
            thrown = Assert.Throws<IOException>(() => ModelExporter.Export(_run, SafeTensorsReader.Read(_run.ModelCheckpointPath).Tensors,
                new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, output));

        Assert.Same(full, thrown);
        Assert.Equal($"No space left on device : '{Path.Combine(output, ModelContract.ModelFile)}'", TemporarySiblings.NameDestinations(thrown.Message));
        Assert.False(Directory.Exists(staging), "the failed export's staging directory is left");
        Assert.False(Directory.Exists(output));
    }

    private static IEnumerable<KeyValuePair<string, TensorData>> FailAfterFirst(IEnumerable<KeyValuePair<string, TensorData>> tensors, IOException failure)
    {
        yield return tensors.First();
        throw failure;
    }
}
