using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The training loop's settings a run began with (epochs, learning rate, schedule, minimum steps, the model it keeps…),
/// which its graphs and checkpoint do not fix, kept in its artifacts (<see cref="TrainingArtifacts.SettingsRecordFile"/>)
/// so that resuming the run continues the same schedule: <c>ortagent train --resume</c>, <c>ortagent distill --resume</c>
/// and <c>TextClassifierTrainer</c> compare what they are given with it (<see cref="Changes"/>) and refuse a change.
/// </summary>
/// <param name="FineTuning">The standard fine-tuning loop's settings (a contrastive run's seed and validation size among them).</param>
/// <param name="Contrastive">The contrastive settings (a run trained otherwise records them too, unused).</param>
/// <param name="MethodReason">Why the run trains as it does (<see cref="TrainingMethodChoice.Reason"/>), which a resumed run repeats; null in records written before 2026-12-05.</param>
/// <param name="InitFrom">
/// The full path of the exported model or adapter whose weights started the run (<c>train --init-from</c>,
/// <c>TextClassifierTrainingOptions.InitFrom</c>); null for a run from its base model, and in records written before 2026-12-05.
/// </param>
/// <param name="Data">
/// What identifies the examples the run trains and validates on, which a resumed run must be given again; null in
/// records written before 2026-12-05, which resume without that check.
/// </param>
/// <param name="StartedFrom">
/// What the run's card says it started from (<c>InitialModel.Describe</c>: an adapter's rank, α, targets, base…), which
/// a resumed run, given no <c>--init-from</c>, says again; null for a run from its base model, and in records written
/// before 2026-12-06 (a resumed one then names <paramref name="InitFrom"/>'s path alone).
/// </param>
public sealed record RecordedSettings(FineTuningOptions FineTuning, ContrastiveOptions Contrastive, string? MethodReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InitFrom = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DataDigest? Data = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StartedFrom = null)
{
    // The record's format: {"fine_tuning": {...}, "contrastive": {...}, "method_reason": "...", "init_from": "...",
    // "data": {"training": "<sha-256>", "training_examples": n, "validation": "<sha-256>", "validation_examples": n,
    // "validation_fraction": 0.1}} (init_from only for a run started from a model's weights, so a run from its base writes
    // what it wrote before 2026-12-05; data since 2026-12-05, validation_fraction only for a held-out validation part),
    // properties in snake_case, enums by name. Runs written since 2026-12-04 hold it, so it changes only in ways those still read.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    /// <summary>Writes the record into the run's artifacts, whole or not at all, replacing any there.</summary>
    /// <param name="artifactsDirectory">The run's artifacts.</param>
    public void Write(string artifactsDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, TrainingArtifacts.SettingsRecordFile), JsonSerializer.Serialize(this, Json));

    /// <summary>The settings the run in <paramref name="artifactsDirectory"/> began with, or null when it has no record (artifacts written before 2026-12-04, or by hand).</summary>
    /// <exception cref="UserInputException">The record is there but unreadable.</exception>
    public static RecordedSettings? Read(string artifactsDirectory)
    {
        var path = Path.Combine(artifactsDirectory, TrainingArtifacts.SettingsRecordFile);
        if (!File.Exists(path)) return null;
        try
        {
            var settings = JsonSerializer.Deserialize<RecordedSettings>(File.ReadAllText(path), Json);
            // As the run reads them: records written before the temperature was nullable hold 0.07 for a cosine run too.
            return settings is { FineTuning: not null, Contrastive: not null } ? settings with { Contrastive = settings.Contrastive.AsRead() }
                : throw new JsonException("fine_tuning or contrastive is missing");
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{path}: the run's recorded settings are unreadable ({ex.Message}); start a new run in the directory", ex);
        }
    }

    /// <summary>
    /// Every setting of <paramref name="given"/> whose value differs from <paramref name="recorded"/>'s, in declaration
    /// order, lists compared item by item. <c>LogEverySteps</c> is left out: how often steps are reported does not change
    /// the run; so is every setting the record leaves out (<c>CheckpointInterval</c>: when checkpoints are written), which
    /// the record read back holds only as its default.
    /// </summary>
    /// <typeparam name="TOptions">The settings' type: <see cref="FineTuningOptions"/> or <see cref="ContrastiveOptions"/>.</typeparam>
    public static IEnumerable<SettingChange> Changes<TOptions>(TOptions given, TOptions recorded) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(recorded);
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite || property.Name == nameof(FineTuningOptions.LogEverySteps)
                || property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }) continue;
            object? value = property.GetValue(given), own = property.GetValue(recorded);
            if (!SameSetting(value, own))
                yield return new SettingChange(InvalidOptionException.Name<TOptions>(property.Name), value, own);
        }
    }

    /// <summary>Whether two option values are the same setting: lists by their items, anything else by <see cref="object.Equals(object?, object?)"/>.</summary>
    internal static bool SameSetting(object? a, object? b) =>
        a is System.Collections.IEnumerable x and not string && b is System.Collections.IEnumerable y and not string
            ? x.Cast<object>().SequenceEqual(y.Cast<object>())
            : Equals(a, b);
}
