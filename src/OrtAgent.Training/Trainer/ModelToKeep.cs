namespace OrtAgent.Training.Trainer;

/// <summary>Which parameters a fine-tuning run ends with and exports.</summary>
public enum ModelToKeep
{
    /// <summary>
    /// The best evaluation's, chosen on the validation set (which may also stop the run early), when that set has at
    /// least <see cref="FineTuningOptions.MinimumValidationToSelect"/> examples; the last otherwise.
    /// </summary>
    Best,

    /// <summary>The last step's: every planned step is taken, and the validation set is evaluated and reported but chooses nothing.</summary>
    Last,
}

/// <summary>The one spelling of each <see cref="ModelToKeep"/>: the names hosts take it by (a command line's values).</summary>
internal static class ModelToKeepNames
{
    /// <summary>How <paramref name="keep"/> is spelled.</summary>
    public static string Of(ModelToKeep keep) => keep switch
    {
        ModelToKeep.Best => "best",
        ModelToKeep.Last => "last",
        _ => throw new ArgumentOutOfRangeException(nameof(keep), keep, null),
    };
}
