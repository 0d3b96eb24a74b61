namespace OrtAgent.BaseModels;

/// <summary>The result of pulling a packaged base model.</summary>
/// <param name="Model">The catalog entry pulled.</param>
/// <param name="Directory">Full path of the model's directory.</param>
/// <param name="Outcome">What had to be done.</param>
/// <param name="RepairReason">For <see cref="BaseModelPullOutcome.Repaired"/>: what was wrong with the old copy.</param>
public sealed record BaseModelPullResult(PackagedBaseModel Model, string Directory, BaseModelPullOutcome Outcome, string? RepairReason);
