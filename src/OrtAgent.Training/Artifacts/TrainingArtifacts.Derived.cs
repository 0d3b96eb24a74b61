using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Artifacts;

public sealed partial class TrainingArtifacts
{
    /// <summary>
    /// As <see cref="Generate(TrainingArtifactsOptions, string, Action)"/>, for a run whose base encoder is made for it
    /// and held in memory (<see cref="DerivedEncoder"/>): the graphs and the initial checkpoint (with its starting
    /// weights) are built from it before <paramref name="beforeChanging"/> is called, and it is written where
    /// <see cref="TrainingArtifactsOptions.BaseModel"/> names (<see cref="DerivedEncoderDirectoryName"/> inside
    /// <paramref name="outputDirectory"/>) only after, with the rest. A stop looked at there, a refusal or a kill while it
    /// builds so leaves a run in the directory as it was.
    /// </summary>
    /// <exception cref="UserInputException">The options are invalid, the encoder builds no graphs, or <paramref name="outputDirectory"/> is refused.</exception>
    internal static TrainingArtifacts Generate(TrainingArtifactsOptions options, string outputDirectory, DerivedEncoder encoder, Action beforeChanging)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(beforeChanging);
        CheckDestination(outputDirectory);
        options.Validate(encoderOnDisk: false);
        return Generate(options, outputDirectory, Path.Combine(options.BaseModel, ModelContract.ModelFile), () => OnnxModel.FromBytes(encoder.Model), encoder, beforeChanging);
    }
}
