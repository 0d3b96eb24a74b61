namespace OrtAgent.Training.TextClassifiers;

/// <summary>What <see cref="TextClassifierTrainer"/> does with a run it finds in its artifacts directory.</summary>
public enum ExistingRun
{
    /// <summary>
    /// Continue it from its last checkpoint (a run stopped by cancellation goes on where it stopped; a finished one
    /// takes no step and returns its result, leaving its export as it is while that is still in the output directory,
    /// else exporting it again), provided it was built for the same labels, base model, maximum length and method, and is given
    /// the settings it began with (<see cref="Artifacts.RecordedSettings"/>; <c>LogEverySteps</c> may change).
    /// </summary>
    Resume,

    /// <summary>Start a new run in the directory, replacing the one there.</summary>
    Replace,
}
