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

    private void RecordFormat(int version, string checkpointName = TrainingArtifacts.CheckpointDirectoryName, string? renamedRequired = null)
    {
        var path = Path.Combine(_run, checkpointName, TrainingArtifacts.PropertiesFile);
        var properties = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(properties.ContainsKey("format_version"));
        properties["format_version"] = version;
        if (renamedRequired is not null)
        {
            var value = properties[renamedRequired]!.DeepClone();
            Assert.True(properties.Remove(renamedRequired));
            properties[renamedRequired + "_v2"] = value;
        }
        File.WriteAllText(path, properties.ToJsonString());
    }

    /// <summary>Every file under the run, by relative path, with its bytes in hex: equal snapshots mean nothing moved or changed.</summary>
    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_run, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(_run, f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    private string NewerFormatRefusal() =>
        $"'{_run}' has artifacts format {TrainingProperties.CurrentFormatVersion + 1}, newer than this OrtAgent reads ({TrainingProperties.CurrentFormatVersion}): "
            + "resume or export it with the newer OrtAgent that wrote it, or train again with this one";

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

    /// <summary>The properties were parsed whole first, so a newer layout without a field this build requires was
    /// refused as invalid properties instead of as a newer OrtAgent's run.</summary>
    [Fact]
    public void ANewerFormatThatRenamedARequiredFieldIsRefusedAsNewer()
    {
        RecordFormat(TrainingProperties.CurrentFormatVersion + 1, renamedRequired: "base_model");

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_run));

        Assert.Equal(NewerFormatRefusal(), error.Message);
    }

    /// <summary>Recovery ran before the version was read, moving a newer build's <c>checkpoint.old</c> back and deleting
    /// its <c>checkpoint.next</c> before refusing the run.</summary>
    [Fact]
    public void ANewerFormatMidSaveIsRefusedLeavingItsCheckpointsUntouched()
    {
        var checkpoint = Path.Combine(_run, TrainingArtifacts.CheckpointDirectoryName);
        Directory.Move(checkpoint, checkpoint + ".old");
        Directory.CreateDirectory(checkpoint + ".next");
        File.WriteAllText(Path.Combine(checkpoint + ".next", "partial.bin"), "half a save");
        RecordFormat(TrainingProperties.CurrentFormatVersion + 1, TrainingArtifacts.CheckpointDirectoryName + ".old");
        var before = Snapshot();

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_run));

        Assert.Equal(NewerFormatRefusal(), error.Message);
        Assert.False(Directory.Exists(checkpoint));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void AFormatBelowTheFirstIsRefusedNamingBothVersions()
    {
        RecordFormat(0);

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_run));

        Assert.Equal($"'{_run}' has artifacts format 0; this OrtAgent reads format {TrainingProperties.CurrentFormatVersion}", error.Message);
    }
}
