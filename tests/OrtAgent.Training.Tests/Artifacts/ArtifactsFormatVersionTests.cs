using System.Text.Json.Nodes;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Training.Tests;

/// <summary>The format version in a run's <c>checkpoint/properties.json</c>: what a newer OrtAgent wrote is refused saying so.</summary>
public sealed class ArtifactsFormatVersionTests : IDisposable
{
    private readonly TempDirectory _root = new("artifacts-format");
    private readonly string _run;

    public ArtifactsFormatVersionTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _run = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, NumLabels = 2 }, _root.Combine("run")).Directory;
    }

    public void Dispose() => _root.Dispose();

    private void RecordFormat(int version)
    {
        var path = Path.Combine(_run, TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.PropertiesFile);
        var properties = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(properties.ContainsKey("format_version"));
        properties["format_version"] = version;
        File.WriteAllText(path, properties.ToJsonString());
    }

    [Fact]
    public void ThisBuildsFormatOpens()
    {
        RecordFormat(TrainingProperties.CurrentFormatVersion);

        Assert.Equal(TrainingProperties.CurrentFormatVersion, TrainingArtifacts.Open(_run).Properties.FormatVersion);
    }

    /// <summary>The refusal named the version but not that a newer build wrote it, nor what to do.</summary>
    [Fact]
    public void ANewerFormatIsRefusedNamingTheRunTheVersionAndWhatToDo()
    {
        RecordFormat(TrainingProperties.CurrentFormatVersion + 1);

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_run));

        Assert.Equal($"'{_run}' has artifacts format {TrainingProperties.CurrentFormatVersion + 1}, newer than this OrtAgent reads ({TrainingProperties.CurrentFormatVersion}): "
            + "resume or export it with the newer OrtAgent that wrote it, or train again with this one", error.Message);
    }

    [Fact]
    public void AFormatBelowTheFirstIsRefusedNamingBothVersions()
    {
        RecordFormat(0);

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_run));

        Assert.Equal($"'{_run}' has artifacts format 0; this OrtAgent reads format {TrainingProperties.CurrentFormatVersion}", error.Message);
    }
}
