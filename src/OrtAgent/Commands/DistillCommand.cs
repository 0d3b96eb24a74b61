using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Distillation;
using OrtAgent.Training.Distillation;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent distill</c>: a smaller student from a fine-tuned teacher, by keeping N of its encoder layers and training
/// them on the teacher's softened logits mixed with the labels. Exit codes: 0 exported, 2 a user error, 1 an internal
/// error, 130 cancelled (a checkpoint was written; <c>--resume</c> continues).
/// </summary>
internal sealed class DistillCommand : BaseCommand
{
    private static readonly DistillJobOptions JobDefaults = new();
    private readonly IDistillationJob _job;
    private readonly IAnsiConsole _console;

    private readonly Option<string> _teacher = new("--teacher") { Description = "The fine-tuned model to distil: an exported model directory (models/NAME); with --resume, the run's." };
    private readonly Option<int> _layers = new("--layers") { Description = "Encoder layers the student keeps, evenly spaced, the last always among them (6 → 3 keeps 1, 3, 5); with --resume, the run's." };
    // Without a DefaultValueFactory where a resumed run keeps its own (ResumeKeptOption): its "[default: …]" would belie it.
    private readonly ResumeKeptOption<float> _temperature = new("--temperature", "Softmax temperature T of the teacher's and the student's logits in the distillation term.", JobDefaults.Distillation.Temperature);
    private readonly ResumeKeptOption<float> _alpha = new("--alpha", "Weight α of the distillation term; 1 − α weighs cross-entropy on the labels (0: no teacher).", JobDefaults.Distillation.Alpha);
    private readonly Option<string> _data = new("--data") { Description = ResumedRunDefault.Describe("Training data", "the file the teacher's model card records", "the file the run trains on") };
    private readonly Option<string> _validation = new("--validation")
    {
        Description = ResumedRunDefault.Describe("Validation data", "the teacher's validation file, or a stratified 10% of --data", "the run's own file or held-out part"),
    };
    private readonly Option<string> _textColumn = new("--text-column")
    {
        Description = ResumedRunDefault.Describe("Text column", "the one the teacher's model card records with its data, when --data is left out; else detected"),
    };
    private readonly Option<string> _labelColumn = new("--label-column")
    {
        Description = ResumedRunDefault.Describe("Label column", "the one the teacher's model card records with its data, when --data is left out; else detected"),
    };
    private readonly Option<int?> _maxLength = new("--max-length") { Description = ResumedRunDefault.Describe("Tokens per text, 8 to 512", "the teacher's") };
    private readonly ResumeKeptOption<double> _weightDecay = new("--weight-decay", "AdamW decoupled weight decay (not on biases and LayerNorm weights).", JobDefaults.WeightDecay);
    private readonly ResumeKeptOption<float> _dropout = new("--dropout", "Dropout before the classifier head, in [0, 1).", JobDefaults.DropoutRatio);
    private readonly TrainingLoopCommandOptions _loop = new();
    private readonly DeviceCommandOptions _execution = new();
    private readonly Option<string> _output = new("--output")
    {
        Description = ResumedRunDefault.Describe("Where the student is exported", "the teacher's directory + '-small'", "where that run exports"),
    };
    private readonly Option<string> _resume = new("--resume") { Description = "Continue the distillation whose artifacts are in this directory (artifacts/NAME)." };

    public DistillCommand(IDistillationJob job, IAnsiConsole console)
        : base("distill", "Distil a fine-tuned model into a smaller student with fewer encoder layers, and export it.")
    {
        _job = job;
        _console = console;
        foreach (var option in new Option[] { _teacher, _layers, _temperature.Option, _alpha.Option, _data, _validation, _textColumn, _labelColumn, _maxLength,
                     _weightDecay.Option, _dropout.Option })
            Options.Add(option);
        foreach (var option in _loop.All) Options.Add(option);
        Options.Add(_output);
        Options.Add(_resume);
        // Its student's artifacts go under the root; it reads no base model (the student is cut from the teacher).
        Options.Add(CliGlobalOptions.ArtifactsRoot());
        StandardInputRefusal.AddTo(_data, _validation);
        _execution.AddTo(this);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        // A resumed run keeps its teacher and layers, which its artifacts record: they need not be given again. Its
        // artifacts are judged first: a mistyped directory, a run stopped during its setup or one train made records no
        // teacher, and is what the command gets wrong, not a missing --teacher or the --output that run recorded.
        var resume = parseResult.GetValue(_resume);
        var recorded = resume is null ? null : DistillationJob.RecordToResume(resume);
        // A student from before that record has no teacher to take, but its parameters show its layers.
        int? layers = parseResult.WasGiven(_layers) ? parseResult.GetValue(_layers)
            : recorded?.KeptLayers.Count ?? (resume is null ? null : DistillationJob.UnrecordedLayers(resume));
        var teacher = parseResult.GetValue(_teacher) ?? (recorded is null ? null : DistillationJob.RecordedTeacher(recorded, resume!));
        if (resume is not null && (teacher is null || layers is null)) DistillationJob.RefuseUnrecordedStudent(resume, teacher is null, layers is null);
        if (teacher is null) throw new UserInputException("--teacher is required: the fine-tuned model to distil (models/NAME)");
        if (layers is null) throw new UserInputException("--layers is required: how many encoder layers the student keeps");
        var options = new DistillJobOptions
        {
            Teacher = teacher,
            Distillation = new DistillationOptions
            {
                Layers = layers.Value,
                Temperature = _temperature.Read(parseResult),
                Alpha = _alpha.Read(parseResult),
            },
            DataPath = parseResult.GetValue(_data),
            ValidationPath = parseResult.GetValue(_validation),
            TextColumn = parseResult.GetValue(_textColumn),
            LabelColumn = parseResult.GetValue(_labelColumn),
            MaxLength = parseResult.GetValue(_maxLength),
            WeightDecay = _weightDecay.Read(parseResult),
            DropoutRatio = _dropout.Read(parseResult),
            Session = _execution.ReadSession(parseResult),
            OutputDirectory = parseResult.GetValue(_output),
            ResumeFrom = parseResult.GetValue(_resume),
            FineTuning = _loop.Read(parseResult),
            Given = OptionFlags.GivenIn(parseResult),
        };
        var result = await _job.RunAsync(options, cancellationToken);
        var table = new Table().AddColumn("").AddColumn("teacher").AddColumn("student");
        string F(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
        table.AddRow("layers", result.TeacherLayers.ToString(CultureInfo.InvariantCulture),
            $"{result.KeptLayers.Count} (teacher {(result.KeptLayers.Count == 1 ? "layer" : "layers")} {string.Join(", ", result.KeptLayers)})");
        table.AddRow("validation accuracy", F(result.Teacher.Accuracy), F(result.Student?.Accuracy));
        table.AddRow("validation macro-F1", F(result.Teacher.MacroF1), F(result.Student?.MacroF1));
        _console.Write(table);
        // A resumed run's earlier steps took time this call did not see, and that time is recorded nowhere.
        string time = result.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{result.Steps} steps{(result.StoppedEarly ? " (stopped early)" : "")}{(result.Resumed ? $", resumed: this call trained for {time}" : $" in {time}")}; " +
            $"model {result.OutputDirectory}; artifacts {result.ArtifactsDirectory}")));
        _console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"teacher accuracy: {result.Teacher.Accuracy:F4}, student accuracy: {F(result.Student?.Accuracy)}"));
        return ExitCodes.Success;
    }
}
