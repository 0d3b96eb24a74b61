namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The parts of building a new run's artifacts, in the order they run: each of the graphs takes seconds on a full-size
/// encoder (the gradients the longest), so a stop is looked at before each, not only once all are built
/// (<see cref="TrainingArtifacts.Generate(TrainingArtifactsOptions, string)"/>). Until <see cref="Writing"/> nothing is on disk.
/// </summary>
internal enum TrainingBuildPhase
{
    /// <summary>The eval graph: the encoder, head and loss, without dropout.</summary>
    EvalGraph,

    /// <summary>The training graph's forward pass: the encoder, dropout, adapters, head and loss.</summary>
    TrainingGraph,

    /// <summary>The backward pass appended to the training graph.</summary>
    Gradients,

    /// <summary>The optimizer graph over the trainable parameters.</summary>
    OptimizerGraph,

    /// <summary>The graphs and starting checkpoint written into the artifacts directory, in place of a run there.</summary>
    Writing,
}
