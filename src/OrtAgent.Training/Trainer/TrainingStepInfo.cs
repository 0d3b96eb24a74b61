namespace OrtAgent.Training.Trainer;

/// <summary>One optimizer step as the trainer reports it.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">1-based optimizer step over the whole run.</param>
/// <param name="TotalSteps">Optimizer steps the run will take if it does not stop early.</param>
/// <param name="Loss">Mean training loss over the step's micro-batches.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="SamplesPerSecond">Throughput since the previous report.</param>
public sealed record TrainingStepInfo(int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double GradNorm, double SamplesPerSecond);
