namespace OrtAgent.BaseModels;

/// <summary>What <see cref="IBaseModelStore.PullAsync"/> had to do.</summary>
public enum BaseModelPullOutcome
{
    /// <summary>The model was not there and has been extracted.</summary>
    Extracted,

    /// <summary>An intact copy was already there; nothing was written.</summary>
    AlreadyPulled,

    /// <summary>A damaged or outdated copy was there and has been replaced.</summary>
    Repaired,
}
