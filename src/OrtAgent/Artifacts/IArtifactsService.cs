using OrtAgent.Training.Artifacts;

namespace OrtAgent.Artifacts;

/// <summary>Generates training artifacts and proves that ONNX Runtime can run every graph in them.</summary>
public interface IArtifactsService
{
    /// <summary>Writes the artifacts and opens each graph in a fully optimised CPU session; returns them and the check time.</summary>
    Task<(TrainingArtifacts Artifacts, TimeSpan SessionCheck)> GenerateAsync(ArtifactsRequest request, CancellationToken cancellationToken);
}
