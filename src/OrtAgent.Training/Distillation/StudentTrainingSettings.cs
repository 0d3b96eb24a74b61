namespace OrtAgent.Training.Distillation;

/// <summary>The run settings a student's training graphs and checkpoint are built with, besides what the teacher decides.</summary>
/// <param name="Seed">Seeds the head's dropout node (and is recorded for the trainer).</param>
/// <param name="DropoutRatio">Dropout before the classifier head, in [0, 1).</param>
/// <param name="WeightDecay">AdamW decoupled weight decay.</param>
/// <param name="MaxLength">Tokens per text the run tokenizes to, recorded for export.</param>
/// <param name="BaseModelName">The name recorded as the exported model's base (the teacher's base model).</param>
public sealed record StudentTrainingSettings(int Seed, float DropoutRatio, double WeightDecay, int MaxLength, string BaseModelName);
