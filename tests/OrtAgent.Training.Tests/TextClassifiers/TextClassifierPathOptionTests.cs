using OrtAgent.Training.Distillation;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// A directory option that cannot work is an <see cref="InvalidOptionException"/> naming its property, as
/// <see cref="TextClassifierTrainer"/>'s remarks promise of every option mistake: the output inside the artifacts, an
/// output that is a file or holds other files, an InitFrom or a teacher that does not exist or is a run's artifacts
/// were plain <see cref="UserInputException"/>s (a missing teacher not naming its option at all).
/// </summary>
public sealed class TextClassifierPathOptionTests() : TinyBertTrainerTestBase("text-classifier-path-options")
{
    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "output is the artifacts", "OutputDirectory", "must be a different directory from TextClassifierTrainingOptions.ArtifactsDirectory " },
        { "output is a file", "OutputDirectory", "is a file, not a directory" },
        { "output holds other files", "OutputDirectory", "holds files OrtAgent did not write ('notes.txt'); choose a new or empty directory" },
        // Recorded as a line of output.txt, it was read back as its first line: a resume exported over the model there.
        { "output holds a line break", "OutputDirectory", "holds a line break, which the run's record of where it exports (output.txt) cannot keep; name a folder without one" },
        { "artifacts is a file", "ArtifactsDirectory", "is a file, not a directory" },
        { "init-from missing", "InitFrom", "does not exist" },
        { "init-from a file", "InitFrom", "is a file; a model folder is expected (one holding model.onnx, vocab.txt and the rest of an exported model)" },
        { "init-from artifacts", "InitFrom", "no model.onnx in the model directory: this is a training run's artifacts, not a model; export a model from its checkpoint (ModelExporter.Export) and start from that" },
        // A base encoder's folder was a plain UserInputException ("TextClassifierTrainingOptions.InitFrom …/model.onnx: has no …") with no Option.
        { "init-from a base encoder", "InitFrom", "model.onnx: has no OrtAgent metadata and no config.json beside it (neither an OrtAgent export nor a Hugging Face classifier)" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void APathThatCannotWorkIsAnInvalidOptionNamingItsProperty(string mistake, string property, string problem)
    {
        var options = Options("refused", TrainingMethod.Standard);
        string file = _root.Combine("a-file.txt");
        File.WriteAllText(file, "not a directory\n");
        options = mistake switch
        {
            "output is the artifacts" => options with { OutputDirectory = options.ArtifactsDirectory },
            "output is a file" => options with { OutputDirectory = file },
            "output holds other files" => options with { OutputDirectory = Folder("docs", "notes.txt") },
            "output holds a line break" => options with { OutputDirectory = _root.Combine("nl\nx") },
            "artifacts is a file" => options with { ArtifactsDirectory = file },
            "init-from missing" => options with { InitFrom = _root.Combine("absent") },
            "init-from a file" => options with { InitFrom = file },
            "init-from a base encoder" => options with { InitFrom = _base },
            _ => options with { InitFrom = Folder("run", "training_model.onnx") },
        };
        string value = property switch
        {
            "OutputDirectory" => options.OutputDirectory,
            "ArtifactsDirectory" => options.ArtifactsDirectory,
            _ => options.InitFrom!,
        };

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options, Reviews(10, 2)));

        Assert.Equal($"TextClassifierTrainingOptions.{property}", refused.Option);
        Assert.Equal(value, refused.Value);
        Assert.StartsWith(problem, refused.Problem);
        Assert.StartsWith($"TextClassifierTrainingOptions.{property} = '{value}': {problem}", refused.Message);
        AssertNothingWritten();
    }

    public static TheoryData<string, string> TeacherMistakes => new()
    {
        { "missing", "does not exist" },
        { "a file", "is a file; a model folder is expected (one holding model.onnx, vocab.txt and the rest of an exported model)" },
        { "artifacts", "no model.onnx in the model directory: this is a training run's artifacts, not a model; export a model from its checkpoint (ModelExporter.Export) and distil from that" },
        // A folder without model.onnx that is no run's artifacts was a plain refusal naming only the directory.
        { "no model", "no model.onnx in the model directory" },
        // model.onnx without its vocabulary was a ModelLoadException naming no option.
        { "no vocab", "no vocab.txt beside model.onnx; it has tokenizer.json only, and the runtime reads a BERT WordPiece vocab.txt (a BERT tokenizer's save_pretrained writes one)" },
    };

    [Theory]
    [MemberData(nameof(TeacherMistakes))]
    public void ATeacherThatIsNoModelIsAnInvalidOptionNamingTeacher(string mistake, string problem)
    {
        string teacher = mistake switch
        {
            "missing" => _root.Combine("absent"),
            "a file" => Path.Combine(Folder("files", "teacher.txt"), "teacher.txt"),
            "no model" => Folder("teacher", "vocab.txt"),
            "no vocab" => TwoFiles(Folder("teacher", "model.onnx"), "tokenizer.json"),
            _ => Folder("run", "training_model.onnx"),
        };
        var options = new TextClassifierDistillationOptions
        {
            Teacher = teacher, ArtifactsDirectory = _root.Combine("artifacts", "student"), OutputDirectory = _root.Combine("models", "student"),
            Distillation = new DistillationOptions { Layers = 1 },
        };

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(options, Reviews(10, 2)));

        Assert.Equal($"TextClassifierDistillationOptions.Teacher = '{teacher}': {problem}", refused.Message);
        AssertNothingWritten();
    }

    /// <summary>
    /// The artifacts directory's claim, refused, named no option while the output's named its own, and said "another
    /// training session" when the directory was another run's output: both runs take the same lock file beside it.
    /// </summary>
    [Fact]
    public void AnArtifactsDirectoryAnotherRunWritesItsModelToIsRefusedNamingTheOption()
    {
        var options = Options("refused", TrainingMethod.Standard) with { ArtifactsDirectory = _root.Combine("shared") };
        using (ClaimedDirectories.ClaimOutput(options.ArtifactsDirectory, "TextClassifierTrainingOptions.OutputDirectory"))
        {
            var refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, Reviews(10, 2)));

            Assert.Equal($"TextClassifierTrainingOptions.ArtifactsDirectory {options.ArtifactsDirectory}: another run (train, distill, export or a fine-tuning job) " +
                "is training in it or writing to it, in this process or another; wait for that run to end (or dispose its TrainingSession), or train in another artifacts directory",
                refused.Message);
        }
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
        AssertNothingWritten();
    }

    /// <summary>A folder under the test's root holding one file of the given name.</summary>
    private static string TwoFiles(string folder, string second)
    {
        File.WriteAllText(Path.Combine(folder, second), "{}\n");
        return folder;
    }

    private string Folder(string name, string file)
    {
        string folder = _root.Combine(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, file), "x\n");
        return folder;
    }
}
