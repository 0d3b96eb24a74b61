using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Exporting;

internal sealed class ExportService : IExportService
{
    public string Export(string artifactsDirectory, string outputDirectory, bool quantizeInt8, bool latest, bool writeExplainGraph = true)
    {
        DestinationGuard.Check(outputDirectory, DirectoryLayout.ExportedModel, $"--output {outputDirectory}");
        var artifacts = TrainingArtifacts.Open(artifactsDirectory);
        var best = artifacts.BestModelPath;
        var source = !latest && File.Exists(best) ? best : artifacts.ModelCheckpointPath;
        var parameters = SafeTensorsReader.Read(source).Tensors;
        var properties = artifacts.Properties;
        var metrics = new Dictionary<string, double>();
        if (File.Exists(artifacts.TrainerStatePath) && TrainerState.Load(artifacts.TrainerStatePath).BestMetric is double metric && source == best)
            metrics["best"] = metric;
        ModelExporter.Export(artifacts, parameters, new ExportOptions
        {
            MaxLength = properties.MaxLength ?? 128,
            LowerCase = properties.LowerCase ?? true,
            BaseModelName = properties.BaseModelName ?? Path.GetFileName(properties.BaseModel),
            Metrics = metrics,
            QuantizeInt8 = quantizeInt8,
            WriteExplainGraph = writeExplainGraph,
        }, outputDirectory);
        return Path.Combine(outputDirectory, ModelContract.ModelFile);
    }

    public string AddExplainGraph(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory)) throw new UserInputException($"--model {modelDirectory}: the directory does not exist");
        return ModelExporter.AddExplainGraph(modelDirectory);
    }
}
