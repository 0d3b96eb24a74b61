namespace OrtAgent.FineTuning;

/// <summary>Runs <c>ortagent train</c>: data → artifacts → fine-tuning → export (→ promotion).</summary>
public interface ITrainingJob
{
    Task<TrainJobResult> RunAsync(TrainJobOptions options, CancellationToken cancellationToken);
}
