using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OrtAgent.BaseModels;
using OrtAgent.FineTuning;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Artifacts;

internal sealed class ArtifactsService(IBaseModelResolver baseModels) : IArtifactsService
{
    public async Task<(TrainingArtifacts Artifacts, TimeSpan SessionCheck)> GenerateAsync(ArtifactsRequest request, CancellationToken cancellationToken)
    {
        TrainingArtifacts.CheckDestination(request.OutputDirectory, $"--output {request.OutputDirectory}");
        RefuseTrainedRun(request.OutputDirectory);
        var baseModel = await baseModels.ResolveAsync(request.BaseModel, cancellationToken);
        var optimizer = request.Optimizer.ToLowerInvariant() switch
        {
            AdamWOptions.Name => OptimizerKind.AdamW,
            SgdOptions.Name => OptimizerKind.Sgd,
            _ => throw new UserInputException($"--optimizer '{request.Optimizer}': expected adamw or sgd"),
        };
        if (request.Labels is { } labels && labels.Count != request.NumLabels)
            throw new UserInputException($"--labels names {labels.Count} labels but --num-labels is {request.NumLabels}" +
                (labels.Any(l => l.Contains(',')) ? "; labels are separated by spaces (--labels a b), not commas" : ""));
        // Replacing artifacts a run is training in would swap its graphs and checkpoints underneath it.
        using var claim = TrainingDestinations.ClaimArtifacts(request.OutputDirectory, namedByOutput: false);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = baseModel.Directory,
            NumLabels = request.NumLabels,
            Labels = request.Labels,
            Pooling = ClassifierHeadOptions.ParsePooling(request.Pooling),
            Loss = LossOptions.ParseKind(request.Loss),
            Optimizer = optimizer,
            FreezePatterns = request.Freeze,
            FreezeLayers = request.FreezeLayers,
            Seed = request.Seed,
            DropoutRatio = request.DropoutRatio,
            LowerCase = baseModel.Architecture.LowerCase,
            BaseModelName = baseModel.Descriptor?.Name,
            LeaveMarkedForSetup = true,
        }, request.OutputDirectory);
        TrainingArtifacts.CompleteSetup(artifacts.Directory);

        var clock = Stopwatch.StartNew();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        foreach (var path in new[] { artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath })
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var session = new InferenceSession(path, options);
        }
        return (artifacts, clock.Elapsed);
    }

    /// <summary>
    /// New artifacts over a run that has trained would replace its checkpoint with untrained weights and leave its
    /// trainer state, best model and metrics beside them: a directory of two runs, which export and resume then read as one.
    /// </summary>
    /// <exception cref="UserInputException">The directory holds a run that has taken steps.</exception>
    private static void RefuseTrainedRun(string directory)
    {
        if (!TrainingArtifacts.HasTrained(directory)) return;
        throw new UserInputException($"--output {directory}: holds a training run that has taken steps; new artifacts would replace its " +
            "checkpoint, so choose a new directory (or delete this one first)");
    }
}
