using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent train</c>: fine-tunes a base model on a CSV/TSV/JSONL file (the embedded sample reviews when none is given)
/// and exports the best model. Exit codes: 0 trained (and promoted, with <c>--promote-to</c>), 3 trained but not
/// promoted, 2 a user error, 1 an internal error, 130 cancelled (a checkpoint was written; <c>--resume</c> continues).
/// </summary>
internal sealed class TrainCommand : BaseCommand
{
    private readonly ITrainingJob _job;
    private readonly IAnsiConsole _console;
    private static readonly ContrastiveOptions ContrastiveDefaults = new();
    private static readonly TrainJobOptions JobDefaults = new();
    private static readonly LoraOptions LoraDefaults = new();
    private static readonly string DefaultLoraTargets = string.Join(",", LoraTargetNames.Of(LoraDefaults.Targets));

    // Without a DefaultValueFactory where a resumed run keeps its own (ResumeKeptOption): its "[default: …]" would belie it.
    private readonly Option<string> _data = new("--data") { Description = ResumedRunDefault.Describe("Training data: .csv, .tsv or .jsonl", "the embedded sample reviews", "the file the run trains on") };
    private readonly Option<string> _validation = new("--validation")
    {
        Description = ResumedRunDefault.Describe("Validation data", "a stratified 10% of --data", "the run's own file or held-out part"),
    };
    private readonly Option<string> _textColumn = new("--text-column") { Description = ResumedRunDefault.Describe("Text column", "detected: text, sentence, review, content") };
    private readonly Option<string> _labelColumn = new("--label-column") { Description = ResumedRunDefault.Describe("Label column", "detected: label, sentiment, class, category") };
    private readonly Option<string> _base = new("--base")
    {
        Description = ResumedRunDefault.Describe("Base model: minilm, arctic-xs or a directory with model.onnx + vocab.txt",
            "minilm, or the base an --init-from model was fine-tuned from"),
    };
    private readonly ResumeKeptOption<double> _weightDecay = new("--weight-decay", "AdamW decoupled weight decay (not on biases and LayerNorm weights).", JobDefaults.WeightDecay);
    private readonly ResumeKeptOption<int> _maxLength = new("--max-length", "Tokens per text, [CLS] and [SEP] included, 8 to 512 (capped at the base model's positions).", JobDefaults.MaxLength);
    private readonly Option<string[]> _freeze = new("--freeze") { Description = "Freeze parameters by name glob; a module's name freezes everything under it (embeddings, encoder.layer.0, *.attention.*); repeatable.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _freezeLayers = new("--freeze-layers") { Description = "Freeze encoder layers by index range, e.g. 0-3." };
    private readonly ChoiceOption<PoolingMode> _pooling = new("--pooling", "mean, cls or pooler.",
        JobDefaults.Pooling, ClassifierHeadOptions.ShortName, keptOnResume: true,
        newRunDefault: $"{ClassifierHeadOptions.ShortName(JobDefaults.Pooling)}, or the pooling of an --init-from model's head");
    private readonly ResumeKeptOption<string> _classWeights = new("--class-weights",
        "Cross-entropy class weights: none, balanced (n / (classes × count) per class), in label order (1,5) or by name (spam=5).", JobDefaults.ClassWeights.Text);
    private readonly ResumeKeptOption<float> _labelSmoothing = new("--label-smoothing", "Cross-entropy label smoothing, in [0, 1).", JobDefaults.LabelSmoothing);
    private readonly ResumeKeptOption<float> _dropout = new("--dropout", "Dropout before the classifier head, in [0, 1).", JobDefaults.DropoutRatio);
    private readonly ResumeKeptOption<float> _encoderDropout = new("--encoder-dropout",
        "Dropout inside the encoder during standard fine-tuning, in [0, 1): after the embeddings, on attention and on each layer's outputs, as BERT trains (0.1).",
        JobDefaults.EncoderDropoutRatio);
    private readonly ResumeKeptOption<string> _method = new("--method",
        $"standard, contrastive (SetFit-style: the encoder on sentence pairs, then a logistic-regression head) or auto (contrastive when the smallest class has fewer than {TrainingMethodChoice.ContrastiveBelowPerClass} training examples, or the median class when the smallest has under half its examples).",
        "standard");
    private readonly ResumeKeptOption<int> _pairRounds = new("--pair-rounds", "Contrastive: rounds of one positive and one negative pair per example.", ContrastiveDefaults.PairRounds);
    private readonly ResumeKeptOption<int> _contrastiveEpochs = new("--contrastive-epochs", "Contrastive: passes over the sentence pairs.", ContrastiveDefaults.Epochs);
    private readonly Option<double?> _headC = new("--head-c")
    {
        Description = ResumedRunDefault.Describe("Contrastive: inverse L2 strength of the logistic-regression head",
            "chosen on the validation split, or by cross-validation on the training examples when that split is under --min-validation"),
    };
    private readonly ChoiceOption<ContrastiveLoss> _contrastiveLoss = new("--contrastive-loss",
        "Contrastive: the stage-1 loss: cosine (SetFit's cosine similarity of each pair, squared error to 1 or 0) or supcon (supervised contrastive over every text of a batch).",
        ContrastiveDefaults.Loss, ContrastiveOptions.ShortName, keptOnResume: true);
    // No DefaultValueFactory: left out, none, which the library refuses with the cosine loss; a supcon run takes 0.07.
    private readonly Option<double> _temperature = new("--temperature")
    {
        Description = ResumedRunDefault.Describe("Contrastive, --contrastive-loss supcon: the temperature that divides the cosine similarities, 0.001 to 1000",
            NumberText.Of(ContrastiveOptions.DefaultTemperature)),
    };
    private readonly TrainingLoopCommandOptions _loop = new(metricAlsoCompares: "promotion (--promote-to)");
    private readonly Option<int?> _loraRank = new("--lora-rank") { Description = "Train LoRA adapters of this rank, 1 to 1024 (and the head), instead of the whole model; the base weights stay frozen." };
    // 'inf' is read as the infinity it means (RealNumberOptions), which LoraOptions refuses as no positive number.
    private readonly Option<float?> _loraAlpha = new("--lora-alpha")
    {
        Description = ResumedRunDefault.Describe("LoRA: the update A·B is scaled by alpha/rank", "alpha = rank for new adapters; an --init-from adapter's own"),
    };
    // No DefaultValueFactory: left out, an adapter's or a resumed run's own dropout is kept (ReadLora), which a "[default: 0]" belied.
    private readonly Option<float> _loraDropout = new("--lora-dropout")
    {
        Description = ResumedRunDefault.Describe("LoRA: dropout on the adapters' input, in [0, 1)",
            $"{LoraDefaults.EffectiveDropout.ToString(CultureInfo.InvariantCulture)} for new adapters; an --init-from adapter's own"),
    };
    private readonly ResumeKeptOption<string> _loraTargets = new("--lora-targets",
        $"LoRA: the linear layers of every encoder layer that get adapters, comma-separated: {string.Join(", ", LoraTargetNames.All)}.",
        DefaultLoraTargets, $"{DefaultLoraTargets} for new adapters; an --init-from adapter's own");
    private readonly DeviceCommandOptions _execution = new();
    // No DefaultValueFactory: its help printed a second "[default: models/classifier]", which a resumed run belies (OutputDirectory).
    private readonly Option<string> _output = new("--output") { Description = ResumedRunDefault.Describe("Where the exported model goes", "models/classifier", "where that run exports") };
    private readonly Option<string> _resume = new("--resume") { Description = "Continue the run whose artifacts are in this directory (artifacts/NAME)." };
    private readonly Option<string> _initFrom = new("--init-from") { Description = "Start from the weights of an exported model (models/NAME), or from a LoRA adapter (export --adapter-only)." };
    private readonly Option<string> _promoteTo = new("--promote-to") { Description = "Replace the model in this directory only if the new one beats it on this run's validation examples, both scored there (exit 3 when not)." };

    public TrainCommand(ITrainingJob job, IAnsiConsole console)
        : base("train", "Fine-tune a text classifier on a CSV and export model.onnx (with no arguments: minilm on the sample reviews).")
    {
        _job = job;
        _console = console;
        foreach (var option in new Option[] { _data, _validation, _textColumn, _labelColumn, _base })
            Options.Add(option);
        foreach (var option in _loop.All) Options.Add(option);
        foreach (var option in new Option[] { _weightDecay.Option, _maxLength.Option, _freeze, _freezeLayers, _pooling.Option, _classWeights.Option, _labelSmoothing.Option,
                     _dropout.Option, _encoderDropout.Option, _method.Option, _pairRounds.Option, _contrastiveEpochs.Option, _headC, _contrastiveLoss.Option, _temperature,
                     _loraRank, _loraAlpha, _loraDropout, _loraTargets.Option, _output, _resume, _initFrom, _promoteTo,
                     CliGlobalOptions.ArtifactsRoot(), CliGlobalOptions.ModelsRoot() })
            Options.Add(option);
        // Checked as the command line is parsed, as the other named choices are (ChoiceOption): one line naming the flag.
        _method.Option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!TrainingMethodChoice.TryParse(value, out _)) result.AddError($"--method '{value}': {TrainingMethodChoice.Expected}");
        });
        // Checked as the command line is parsed, so that --method auto refuses them before reading the data it chooses by.
        _pairRounds.Option.RequireAtLeast(1, "must be at least 1");
        _contrastiveEpochs.Option.RequireAtLeast(1, "must be at least 1");
        // An explicit contrastive run's pair batch is checked with them, so that all its early refusals read alike; auto's
        // waits for the data to choose, and a resumed run's for the method it recorded.
        _loop.BatchSize.Option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !int.TryParse(t.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
            if (!TrainingMethodChoice.TryParse(result.GetValue(_method.Option), out var asked) || asked != TrainingMethod.Contrastive) return;
            try
            {
                new ContrastiveOptions { BatchSize = result.GetValueOrDefault<int>() }.Validate();
            }
            catch (InvalidOptionException ex)
            {
                result.AddError(OptionFlags.Describe(ex));
            }
        });
        _headC.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !RealNumberOptions.TryRead(t.Value, out _))) return;
            if (result.GetValueOrDefault<double?>() is { } c && !(c > 0 && double.IsFinite(c))) result.AddError($"--head-c {NumberText.Of(c)}: must be a positive number");
        });
        _temperature.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !RealNumberOptions.TryRead(t.Value, out _))) return;
            try
            {
                ContrastiveOptions.CheckTemperature(InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Temperature)), result.GetValueOrDefault<double>());
            }
            catch (InvalidOptionException ex)
            {
                result.AddError(OptionFlags.Describe(ex));
            }
        });
        StandardInputRefusal.AddTo(_data, _validation);
        _execution.AddTo(this);
        // A contrastive run batches sentence pairs (ContrastiveOptions.BatchSize), checked above.
        _loop.BatchSize.Option.Description = ResumedRunDefault.Describe(
            $"Examples per micro-batch; contrastive: sentence pairs per optimizer step, at most {ContrastiveOptions.MaxBatchSize}",
            _loop.BatchSize.Default.ToString(CultureInfo.InvariantCulture));
        // Only train has contrastive runs, whose pair rounds rise where a standard run's epochs do.
        _loop.MinSteps.Option.Description = ResumedRunDefault.Describe(
            TrainingLoopCommandOptions.DescribeMinSteps("the epochs (contrastive: the pair rounds)"),
            _loop.MinSteps.Default.ToString(CultureInfo.InvariantCulture));
        // Train's own --lr (the loop options are built per command): LoRA and contrastive runs have their own defaults.
        _loop.LearningRate.Description = TrainingLoopCommandOptions.DescribeLearningRate(
            $"{LearningRateText.Of(LoraOptions.DefaultLearningRate)} for LoRA runs (--lora-rank, or --init-from an adapter); " +
            $"{LearningRateText.Of(ContrastiveDefaults.LearningRate)} for contrastive ones (the encoder on sentence pairs)");
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var method = TrainingMethodChoice.Parse(_method.Read(parseResult));
        var options = new TrainJobOptions
        {
            DataPath = parseResult.GetValue(_data),
            ValidationPath = parseResult.GetValue(_validation),
            TextColumn = parseResult.GetValue(_textColumn),
            LabelColumn = parseResult.GetValue(_labelColumn),
            BaseModel = parseResult.GetValue(_base),
            MaxLength = _maxLength.Read(parseResult),
            Pooling = _pooling.Read(parseResult),
            WeightDecay = _weightDecay.Read(parseResult),
            ClassWeights = ClassWeightingParser.Parse(_classWeights.Read(parseResult)),
            LabelSmoothing = _labelSmoothing.Read(parseResult),
            DropoutRatio = _dropout.Read(parseResult),
            EncoderDropoutRatio = _encoderDropout.Read(parseResult),
            Freeze = parseResult.GetValue(_freeze) ?? [],
            FreezeLayers = parseResult.GetValue(_freezeLayers),
            Session = _execution.ReadSession(parseResult),
            OutputDirectory = OutputDirectory(parseResult),
            ResumeFrom = parseResult.GetValue(_resume),
            InitFrom = parseResult.GetValue(_initFrom),
            PromoteTo = parseResult.GetValue(_promoteTo),
            Method = method,
            Lora = ReadLora(parseResult),
            Contrastive = new ContrastiveOptions
            {
                PairRounds = _pairRounds.Read(parseResult),
                Epochs = _contrastiveEpochs.Read(parseResult),
                HeadC = parseResult.GetValue(_headC),
                Loss = _contrastiveLoss.Read(parseResult),
                // Left out, none: the library refuses a temperature with the cosine loss, and a supcon run defaults to 0.07.
                Temperature = parseResult.WasGiven(_temperature) ? parseResult.GetValue(_temperature) : null,
                MinimumValidationToSelect = _loop.MinValidation.Read(parseResult),
                MinimumSteps = _loop.MinSteps.Read(parseResult),
                BatchSize = _loop.BatchSize.Read(parseResult),
                // SetFit's body rate (2e-5) is below standard fine-tuning's default; an explicit --lr sets both.
                LearningRate = parseResult.WasGiven(_loop.LearningRate) ? parseResult.GetValue(_loop.LearningRate) : ContrastiveDefaults.LearningRate,
                WarmupRatio = _loop.Warmup.Read(parseResult),
                MaxGradNorm = _loop.MaxGradNorm.Read(parseResult),
                Seed = _loop.Seed.Read(parseResult),
            },
            FineTuning = _loop.Read(parseResult),
            Given = OptionFlags.GivenIn(parseResult),
        };
        var result = await _job.RunAsync(options, cancellationToken);
        PrintSummary(result);
        if (result.Promotion is { } promotion)
        {
            _console.MarkupLine(Markup.Escape(promotion.Describe()));
            return promotion.Promoted ? ExitCodes.Success : ExitCodes.NotPromoted;
        }
        return ExitCodes.Success;
    }

    // A resumed run exports where it was exporting (its artifacts record it), not over whatever models/classifier holds;
    // artifacts from before that record are named after their output folder (TrainingDestinations.ArtifactsNameFor).
    private string OutputDirectory(ParseResult parseResult) =>
        !parseResult.WasGiven(_output) && parseResult.GetValue(_resume) is { } resume
            ? TrainingDestinations.RecordedOutput(resume) ?? TrainingDestinations.UnrecordedOutput(resume)
            : parseResult.GetValue(_output) ?? Path.Combine("models", "classifier");

    /// <summary>
    /// The LoRA options when <c>--lora-rank</c> is given, or any LoRA flag with <c>--init-from</c> or <c>--resume</c> (an
    /// adapter or the resumed run supplies the rank: the job compares them with it, and refuses them for a whole model);
    /// the other LoRA flags alone are a mistake, not ignored.
    /// </summary>
    private LoraOptions? ReadLora(ParseResult parseResult)
    {
        var rank = parseResult.GetValue(_loraRank);
        var others = new Option[] { _loraAlpha, _loraDropout, _loraTargets.Option };
        if (rank is null)
        {
            if (others.FirstOrDefault(parseResult.WasGiven) is not { } given) return null;
            // A resumed run has its rank already: the job compares the value with the run's, and refuses it for a run without adapters.
            if (!parseResult.WasGiven(_initFrom) && !parseResult.WasGiven(_resume))
                throw new UserInputException($"{given.Name} needs --lora-rank, --init-from a LoRA adapter, whose rank the run continues, or --resume a LoRA run");
        }
        var targets = _loraTargets.Read(parseResult);
        return new LoraOptions
        {
            // Without --lora-rank the adapter's or the resumed run's rank is taken (the job knows it was not given).
            Rank = rank ?? LoraDefaults.Rank,
            Alpha = parseResult.GetValue(_loraAlpha),
            // Left out, an adapter's own is kept (--init-from) and new adapters have none; given, even 0, it is asked for.
            Dropout = parseResult.WasGiven(_loraDropout) ? parseResult.GetValue(_loraDropout) : null,
            Targets = LoraTargetNames.Parse(targets.Split(','), out var unknown)
                ?? throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Targets)), targets,
                    $"'{unknown}' is not a target; expected one or more of {string.Join(", ", LoraTargetNames.All)}"),
        };
    }

    private void PrintSummary(TrainJobResult result)
    {
        var table = new Table().AddColumn("").AddColumn("");
        table.ShowHeaders = false;
        foreach (var (name, value) in TrainSummary.Rows(result)) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        _console.Write(table);
        if (result.BestReport is { } report)
            _console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation accuracy: {report.Accuracy:F4}"));
    }
}
