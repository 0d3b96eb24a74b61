using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Artifacts;

public sealed partial class TrainingArtifacts
{
    /// <summary>
    /// As <see cref="Generate(TrainingArtifactsOptions, string)"/>, for a run whose base encoder is made for it
    /// and held in memory (<see cref="DerivedEncoder"/>), or that starts from trained weights (<paramref name="startFrom"/>),
    /// or both: the graphs and the initial checkpoint (with its starting weights, checked) are built from them before
    /// the directory changes, and the encoder is written where <see cref="TrainingArtifactsOptions.BaseModel"/>
    /// names (<see cref="DerivedEncoderDirectoryName"/> inside <paramref name="outputDirectory"/>) only after, with the
    /// rest. A stop looked at there, a refusal or a kill while it builds so leaves a run in the directory as it was.
    /// </summary>
    /// <param name="options">What to build.</param>
    /// <param name="outputDirectory">Where; a run already there is replaced once everything is built.</param>
    /// <param name="encoder">The run's own encoder; null for the one <see cref="TrainingArtifactsOptions.BaseModel"/> names on disk.</param>
    /// <param name="startFrom">The weights the run starts from; null for the built ones.</param>
    /// <param name="beforeBuilding">Called once the options are checked against the encoder, before the long part of the build
    /// (where a caller says what the run will replace, once the refusals of its options are behind).</param>
    /// <param name="cancellationToken">Looked at before each part of the build (<see cref="TrainingBuildPhase"/>), the last before the directory changes.</param>
    /// <param name="onPhase">Told of each part of the build as it begins, once the stop was looked at; null for none.</param>
    /// <exception cref="UserInputException">The options are invalid, the encoder builds no graphs, the starting weights
    /// do not fit them, or <paramref name="outputDirectory"/> is refused.</exception>
    internal static TrainingArtifacts Generate(TrainingArtifactsOptions options, string outputDirectory, DerivedEncoder? encoder, StartingWeights? startFrom,
        Action beforeBuilding, CancellationToken cancellationToken, Action<TrainingBuildPhase>? onPhase = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        ArgumentNullException.ThrowIfNull(beforeBuilding);
        CheckDestination(outputDirectory);
        options.Validate(encoderOnDisk: encoder is null);
        if (encoder is null)
        {
            var encoderPath = options.ResolveEncoderPath();
            return Generate(options, outputDirectory, encoderPath, () => OnnxModel.Load(encoderPath), derived: null, startFrom, beforeBuilding, cancellationToken, onPhase);
        }
        return Generate(options, outputDirectory, Path.Combine(options.BaseModel, ModelContract.ModelFile), () => OnnxModel.FromBytes(encoder.Model), encoder,
            startFrom, beforeBuilding, cancellationToken, onPhase);
    }
}
