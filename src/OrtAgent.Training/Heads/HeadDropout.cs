namespace OrtAgent.Training.Heads;

/// <summary>How the head's Dropout node learns its ratio and whether it is active.</summary>
public enum HeadDropout
{
    /// <summary>Constants: the options' ratio, training mode on (training graphs).</summary>
    Training,

    /// <summary>Constants: training mode off, so Dropout is the identity (evaluation and export).</summary>
    Evaluation,

    /// <summary>Graph inputs <c>dropout_ratio</c> (float scalar) and <c>training_mode</c> (bool scalar), so one graph serves both.</summary>
    GraphInputs,
}
