using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Export;

namespace OrtAgent.Bench;

/// <summary>
/// The files every measurement reads: training artifacts freshly generated from minilm (untrained head, so the
/// weights are the base model's: speed does not depend on them) and the fp32 and int8 classifiers exported from them.
/// The parent prepares them once; child processes open the same directory.
/// </summary>
public sealed class BenchWorkspace
{
    private BenchWorkspace(string directory, TrainingArtifacts artifacts)
    {
        Directory = directory;
        Artifacts = artifacts;
    }

    public string Directory { get; }

    public TrainingArtifacts Artifacts { get; }

    public string ArtifactsDirectory => Path.Combine(Directory, "artifacts");

    public string ClassifierDirectory(bool int8) => Path.Combine(Directory, int8 ? "classifier-int8" : "classifier-fp32");

    /// <summary>The base encoder the bench fine-tunes: <c>&lt;models-root&gt;/base/minilm</c>.</summary>
    public static string BaseModelDirectory(string modelsRoot) => Path.Combine(modelsRoot, "base", "minilm");

    /// <summary>
    /// Generates (or reuses, when complete and stamped by this build from this base model) artifacts and both exports
    /// under <paramref name="directory"/>.
    /// </summary>
    /// <exception cref="UserInputException">minilm has not been pulled into <paramref name="modelsRoot"/>.</exception>
    public static BenchWorkspace Prepare(string directory, string modelsRoot)
    {
        var baseModel = BaseModelDirectory(modelsRoot);
        if (!File.Exists(Path.Combine(baseModel, ModelContract.ModelFile)))
            throw new UserInputException(
                $"no minilm under '{baseModel}'; run: dotnet run --project src/OrtAgent -- models pull minilm --models-root {modelsRoot}");
        var stampPath = Path.Combine(directory, BuildStampFile);
        var stamp = BuildStamp(baseModel);
        if (!File.Exists(stampPath) || File.ReadAllText(stampPath) != stamp) DeleteGenerated(directory);
        var artifactsDirectory = Path.Combine(directory, "artifacts");
        var artifacts = File.Exists(Path.Combine(artifactsDirectory, TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.PropertiesFile))
            ? TrainingArtifacts.Open(artifactsDirectory)
            : TrainingArtifacts.Generate(new TrainingArtifactsOptions
            {
                BaseModel = Path.GetFullPath(baseModel),
                Labels = ["negative", "positive"],
                MaxLength = 128,
                LowerCase = true,
                BaseModelName = "minilm",
            }, artifactsDirectory);
        var workspace = new BenchWorkspace(directory, artifacts);
        foreach (var int8 in new[] { false, true })
        {
            var target = workspace.ClassifierDirectory(int8);
            if (File.Exists(Path.Combine(target, ModelContract.ModelFile))) continue;
            var parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors;
            ModelExporter.Export(artifacts, parameters,
                new ExportOptions { MaxLength = 128, LowerCase = true, BaseModelName = "minilm", QuantizeInt8 = int8 }, target);
        }
        AtomicFile.WriteAllText(stampPath, stamp);
        return workspace;
    }

    // Beside the generated folders: which build generated them from which base model (BuildStamp).
    private const string BuildStampFile = "build-stamp.txt";

    /// <summary>
    /// What the generated files depend on besides their fixed options: the libraries that build the graphs and export
    /// them (<see cref="Bench.BuildStamp"/>), and the base model. Artifacts of another build would time another build's
    /// graphs under this one's name.
    /// </summary>
    private static string BuildStamp(string baseModel) => LibrariesBuild() + BaseModelStamp(baseModel);

    /// <summary>The OrtAgent libraries this bench, and so each of its measuring children, runs: <see cref="Bench.BuildStamp"/> of each.</summary>
    private static string LibrariesBuild() =>
        Bench.BuildStamp.Of(new[] { typeof(TrainingArtifacts), typeof(OrtAgent.Onnx.OnnxModel), typeof(TextClassifier) }.Select(t => t.Assembly));

    /// <summary>
    /// The build the PyTorch comparison or <c>--lora</c> measured, for its figure file: the OrtAgent libraries its
    /// children ran and, <paramref name="withCli"/> (<c>--end-to-end</c>, <c>--lora-spam</c>), the CLI's assemblies
    /// too; a line per assembly, a line the two share written once.
    /// </summary>
    public static string MeasuredBuild(bool withCli) =>
        string.Concat((LibrariesBuild() + (withCli ? OrtAgentCli.Build() : "")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Select(line => line + "\n"));

    /// <summary>
    /// Which base model <paramref name="baseModel"/> (a folder) holds: its full path, and the SHA-256 of the
    /// <c>descriptor.json</c> the CLI's pull wrote there (the package version and both files' hashes), so that a model
    /// pulled again from another package is another base model. A folder without one (not pulled yet) matches no stamp
    /// written after a pull.
    /// </summary>
    public static string BaseModelStamp(string baseModel)
    {
        var descriptor = Path.Combine(baseModel, BaseModelDescriptor.FileName);
        return $"base model {Path.GetFullPath(baseModel)}, "
            + (File.Exists(descriptor) ? $"{BaseModelDescriptor.FileName} sha256 {TrainedModelStamp.Sha256(descriptor)}" : $"no {BaseModelDescriptor.FileName}") + "\n";
    }

    /// <summary>Removes the folders <see cref="Prepare"/> and <see cref="PrepareLora"/> generate, and nothing else of the work folder.</summary>
    private static void DeleteGenerated(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return;
        foreach (var generated in new[] { "artifacts", "classifier-fp32", "classifier-int8" }.Select(name => Path.Combine(directory, name))
                     .Concat(System.IO.Directory.EnumerateDirectories(directory, "artifacts-lora-r*")))
            if (System.IO.Directory.Exists(generated)) System.IO.Directory.Delete(generated, recursive: true);
    }

    /// <summary>The LoRA counterpart of <see cref="Artifacts"/>: rank <paramref name="rank"/>, α = r, query and value (the CLI's defaults).</summary>
    public TrainingArtifacts PrepareLora(int rank)
    {
        var directory = LoraDirectory(Directory, rank);
        if (File.Exists(Path.Combine(directory, TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.PropertiesFile))) return TrainingArtifacts.Open(directory);
        return TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = Artifacts.Properties.BaseModel,
            Labels = ["negative", "positive"],
            MaxLength = 128,
            LowerCase = true,
            BaseModelName = "minilm",
            Lora = new Training.Adapters.LoraOptions { Rank = rank },
        }, directory);
    }

    /// <summary>Opens what <see cref="PrepareLora"/> wrote (child processes).</summary>
    public static TrainingArtifacts OpenLora(string directory, int rank) => TrainingArtifacts.Open(LoraDirectory(directory, rank));

    private static string LoraDirectory(string directory, int rank) => Path.Combine(directory, $"artifacts-lora-r{rank}");

    /// <summary>Opens what <see cref="Prepare"/> wrote (child processes).</summary>
    public static BenchWorkspace Open(string directory) =>
        new(directory, TrainingArtifacts.Open(Path.Combine(directory, "artifacts")));
}
