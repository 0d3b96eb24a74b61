using System.Globalization;
using OrtAgent;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

// train-classifier: reads a data file with LabeledTextFile.Read, trains a classifier on it through
// TextClassifierTrainer.Train, then predicts with the export.
const string Usage = """
    usage: train-classifier [--base DIR] [--data FILE] [--text-column NAME] [--label-column NAME] [--output DIR]
                            [--artifacts DIR] [--replace] ["text" ...]
    Trains a text classifier on FILE (.csv, .tsv or .jsonl with text and label columns, named by the options or
    detected; default: messages.csv beside the app) from the base model in DIR (default: models/base/minilm, which
    `ortagent models pull minilm` writes), exports it to --output (default: models/train-classifier) and prints the
    model's label and score for each text.
    Stopped with Ctrl+C, the same command without --replace resumes the run kept in --artifacts (default:
    artifacts/train-classifier); --replace starts a new run there instead (other data, labels or settings than the run's).
    Exit code 0: done; 2: a mistake in the arguments, the data or a directory; 130: stopped.
    """;

// --help among other arguments too: "train-classifier --base DIR --help" called it an unknown option.
if (args is ["-h"] || args.Contains("--help"))
{
    Console.WriteLine(Usage);
    return 0;
}
if (Arguments.Read(args) is not { } arguments)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;   // the trainer writes a checkpoint at the next step, then stops
    stop.Cancel();
};
try
{
    var data = LabeledTextFile.Read(arguments.Data, new LabeledTextFileOptions { TextColumn = arguments.TextColumn, LabelColumn = arguments.LabelColumn });
    string perLabel = string.Join(", ", data.ExamplesPerLabel.Select(label => $"{label.Key} {label.Value}"));
    Console.WriteLine($"Training on {data.Examples.Count} examples ({perLabel}) from {data.Path}, base model {arguments.BaseModel} ...");
    var result = TextClassifierTrainer.Train(new TextClassifierTrainingOptions
    {
        BaseModel = arguments.BaseModel,
        ArtifactsDirectory = arguments.Artifacts,
        OutputDirectory = arguments.Output,
        // Auto: contrastive training below 64 examples in a class (messages.csv has 12 a class), standard above.
        Method = TrainingMethod.Auto,
        ExistingRun = arguments.Replace ? ExistingRun.Replace : ExistingRun.Resume,
    }, data.Examples, validation: null, new ProgressLines(), stop.Token);

    string metric = result.BestMetric is double best ? best.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
    Console.WriteLine($"Method: {result.Method}");   // "contrastive (auto: ...)", or "(resumed)" for a run continued
    Console.WriteLine($"Validation {result.Metric.ToString().ToLowerInvariant()} {metric} on {result.ValidationExamples} held-out examples; " +
        $"{result.Steps} steps, {result.Elapsed.TotalSeconds:F0} s; model in {result.OutputDirectory}");

    using var classifier = TextClassifier.Load(result.OutputDirectory);
    string[] texts = arguments.Texts.Length > 0 ? arguments.Texts
        : ["I was charged for a month I did not use.", "The app freezes when I rotate my phone.", "Thanks, this is lovely!"];
    foreach (var (text, prediction) in texts.Zip(classifier.PredictBatch(texts)))
        Console.WriteLine($"{prediction.Label}\t{prediction.Score.ToString("F4", CultureInfo.InvariantCulture)}\t{text}");
    return 0;
}
catch (UserInputException ex)
{
    Console.Error.WriteLine("error: " + Switches.InAppWords(ex));
    return 2;
}
catch (OperationCanceledException)
{
    // --replace would start over again, discarding this checkpoint: the command that resumes is the same one without it.
    Console.Error.WriteLine(arguments.Replace
        ? $"stopped; a checkpoint is in {arguments.Artifacts}, and the same command without --replace resumes from it (with --replace it starts over)"
        : $"stopped; a checkpoint is in {arguments.Artifacts}, and the same command resumes from it");
    return 130;
}

/// <summary>The command line: six options with a value each, the --replace switch, then texts to predict.</summary>
internal sealed record Arguments(
    string BaseModel, string Data, string? TextColumn, string? LabelColumn, string Output, string Artifacts, bool Replace, string[] Texts)
{
    /// <summary>The arguments, or null after writing what is wrong with them.</summary>
    public static Arguments? Read(string[] args)
    {
        var values = new Dictionary<string, string?>
        {
            ["--base"] = Path.Combine("models", "base", "minilm"),
            ["--data"] = Path.Combine(AppContext.BaseDirectory, "messages.csv"),
            ["--text-column"] = null,   // detected: text, sentence, review or content
            ["--label-column"] = null,   // detected: label, sentiment, class or category
            ["--output"] = Path.Combine("models", "train-classifier"),
            ["--artifacts"] = Path.Combine("artifacts", "train-classifier"),
        };
        var texts = new List<string>();
        bool replace = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) texts.Add(args[i]);
            else if (args[i] == "--replace") replace = true;
            else if (!values.ContainsKey(args[i])) return Mistake($"unknown option '{args[i]}'");
            else if (i + 1 == args.Length) return Mistake($"{args[i]} needs a value");
            else values[args[i]] = args[++i];
        }
        return new Arguments(values["--base"]!, values["--data"]!, values["--text-column"], values["--label-column"],
            values["--output"]!, values["--artifacts"]!, replace, [.. texts]);
    }

    private static Arguments? Mistake(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return null;
    }
}

/// <summary>
/// The library names its options (<c>TextClassifierTrainingOptions.BaseModel = '…': …</c>); this app says its own
/// switches for the ones it sets from them, as a user typed them.
/// </summary>
internal static class Switches
{
    private static readonly Dictionary<string, string> ForOption = new(StringComparer.Ordinal)
    {
        [InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(TextClassifierTrainingOptions.BaseModel))] = "--base",
        [InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(TextClassifierTrainingOptions.OutputDirectory))] = "--output",
        [InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(TextClassifierTrainingOptions.ArtifactsDirectory))] = "--artifacts",
        [InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.TextColumn))] = "--text-column",
        [InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.LabelColumn))] = "--label-column",
    };

    /// <summary>The message of <paramref name="error"/> with this app's switches for the library's option names.</summary>
    public static string InAppWords(UserInputException error)
    {
        string message = error is InvalidOptionException invalid && ForOption.TryGetValue(invalid.Option, out var own)
            ? $"{own} {InvalidOptionException.Display(invalid.Value)}: {invalid.Problem}"
            : error.Message;
        message = message.Replace("set ExistingRun to Replace", "pass --replace", StringComparison.Ordinal);
        foreach (var (option, flag) in ForOption) message = message.Replace(option, flag, StringComparison.Ordinal);
        return message;
    }
}

/// <summary>A line every tenth step and at each evaluation, and every message and warning the trainer has.</summary>
internal sealed class ProgressLines : ITrainingObserver
{
    public void OnStep(TrainingStepInfo step)
    {
        if (step.Step % 10 == 0 || step.Step == step.TotalSteps)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {step.Step}/{step.TotalSteps}  loss {step.Loss:F4}"));
    }

    public void OnEvaluation(EvaluationInfo evaluation) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  step {evaluation.Step}: validation accuracy {evaluation.Report.Accuracy:F3}{(evaluation.IsBest ? " (best so far)" : "")}"));

    public void OnMessage(string message) => Console.WriteLine($"  {message}");
}
