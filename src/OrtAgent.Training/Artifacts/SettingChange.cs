namespace OrtAgent.Training.Artifacts;

/// <summary>A setting given otherwise than the run being resumed recorded it (<see cref="RecordedSettings.Changes"/>).</summary>
/// <param name="Option">The setting as <c>Type.Property</c> (<c>FineTuningOptions.LearningRate</c>), as <see cref="InvalidOptionException.Option"/> names it.</param>
/// <param name="Given">The value given now.</param>
/// <param name="Recorded">The value the run began with.</param>
public sealed record SettingChange(string Option, object? Given, object? Recorded);
