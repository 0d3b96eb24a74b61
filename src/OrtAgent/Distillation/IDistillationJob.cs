namespace OrtAgent.Distillation;

/// <summary>Runs <c>ortagent distill</c>: teacher → student encoder → teacher logits → fine-tuning with distillation → export.</summary>
public interface IDistillationJob
{
    Task<DistillJobResult> RunAsync(DistillJobOptions options, CancellationToken cancellationToken);
}
