namespace OrtAgent.Cli;

/// <summary>
/// Where ortagent keeps its files. Set in <c>appsettings.json</c> (<c>Models:Root</c>, <c>Artifacts:Root</c>), by the
/// environment (<c>ORTAGENT_MODELS__ROOT</c>, <c>ORTAGENT_ARTIFACTS__ROOT</c>) or on the command line
/// (<c>--models-root</c>, <c>--artifacts-root</c>), later sources winning. Relative paths are relative to the
/// current directory.
/// </summary>
public sealed class OrtAgentPaths
{
    /// <summary>Root of the model store; pulled base models live in its <c>base/</c> folder.</summary>
    public string ModelsRoot { get; set; } = "models";

    /// <summary>
    /// What set <see cref="ModelsRoot"/>, as a message about it names it (<c>--models-root</c>,
    /// <c>ORTAGENT_MODELS__ROOT</c> spelt as it was set, <c>Models:Root in appsettings.json</c>): the flag when nothing
    /// did, the way to set it.
    /// </summary>
    public string ModelsRootSetting { get; set; } = "--models-root";

    /// <summary>Root of training artifacts and checkpoints.</summary>
    public string ArtifactsRoot { get; set; } = "artifacts";

    /// <summary>What set <see cref="ArtifactsRoot"/>, as <see cref="ModelsRootSetting"/> names the models root's.</summary>
    public string ArtifactsRootSetting { get; set; } = "--artifacts-root";

    /// <summary>
    /// Whether whoever runs training here can give <c>--artifacts-root</c> (a command line), so a refusal of the root may
    /// end with that advice; false for the service's jobs, whose API clients have no such flag.
    /// </summary>
    public bool ArtifactsRootOptionApplies { get; set; } = true;

    /// <summary>Full path of the folder holding one sub-folder per base model.</summary>
    /// <exception cref="UserInputException">The models root is relative and the working directory is gone: the message names the root and what set it.</exception>
    public string BaseModelsDirectory
    {
        get
        {
            Runtime.WorkingDirectory.RequireFor(ModelsRoot, ModelsRootSetting);
            return Path.GetFullPath(Path.Combine(ModelsRoot, "base"));
        }
    }
}
