using OrtAgent.Runtime;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The check of an option naming a model's directory hands back what it found of a folder without <c>model.onnx</c>,
/// so the teacher's refusal comes from that one look through the folder (<c>TeacherModel.Open</c> looked twice: once in
/// the check, which kept only a run's artifacts, and again for its own refusal).
/// </summary>
public sealed class ModelDirectoryOptionTests : IDisposable
{
    private const string Option = "DistillationOptions.Teacher";
    private readonly TempDirectory _work = new("model-directory-option");

    public void Dispose() => _work.Dispose();

    private string Folder(string name, params string[] files)
    {
        string folder = _work.Combine(name);
        Directory.CreateDirectory(folder);
        foreach (var file in files) File.WriteAllText(Path.Combine(folder, file), "{}");
        return folder;
    }

    [Fact]
    public void AFolderWithoutModelOnnxComesBackAsWhatItLacks()
    {
        string empty = Folder("empty");

        var missing = ModelDirectoryOption.RequireModelDirectory(empty, Option, "distil from");

        Assert.IsNotType<LoraAdapterNotAModelException>(missing);
        Assert.Equal((empty, "no model.onnx in the model directory"), (missing!.Refusal!.Subject, missing.Refusal.Problem));
    }

    [Fact]
    public void AnAdapterComesBackAsAnAdapter()
    {
        string adapter = Folder("adapter", LoraAdapterNotAModelException.AdapterConfigFile);

        Assert.IsType<LoraAdapterNotAModelException>(ModelDirectoryOption.RequireModelDirectory(adapter, Option, "distil from"));
    }

    [Fact]
    public void AFolderWithModelOnnxPassesWithNothingToSay() =>
        Assert.Null(ModelDirectoryOption.RequireModelDirectory(Folder("model", ModelContract.ModelFile), Option, "distil from"));

    [Fact]
    public void ARunsArtifactsAreRefusedAsTheOptionsMistake()
    {
        string artifacts = Folder("run", "training_model.onnx");

        var error = Assert.Throws<InvalidOptionException>(() => ModelDirectoryOption.RequireModelDirectory(artifacts, Option, "distil from"));

        Assert.IsType<TrainingArtifactsNotAModelException>(error.InnerException);
    }

    /// <summary>A device named as a model's folder (<c>--teacher /dev/null</c>) was told it "is a file", as if a model file had been misplaced.</summary>
    [LinuxTheory("statx tells a character device from a regular file")]
    [InlineData("distil from")]
    [InlineData("start from")]
    public void ADeviceIsSaidToBeADeviceNotAFile(string use)
    {
        var error = Assert.Throws<InvalidOptionException>(() => ModelDirectoryOption.RequireModelDirectory("/dev/null", Option, use));

        Assert.Equal("is not a directory (a character device); a model folder is expected (one holding model.onnx, vocab.txt and the rest of an exported model)",
            error.Problem);
    }
}
