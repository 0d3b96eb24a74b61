using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Distillation;

/// <summary>Runs <c>ortagent distill</c>: teacher → student encoder → teacher logits → fine-tuning with distillation → export.</summary>
public interface IDistillationJob
{
    /// <summary>The run, as <see cref="TextClassifierTrainer.Distill"/> reports its own, with the directories as the command line named them.</summary>
    Task<TextClassifierDistillationResult> RunAsync(DistillJobOptions options, CancellationToken cancellationToken);
}
