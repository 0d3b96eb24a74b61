using System.Globalization;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuning;

/// <summary>
/// The main job. Generates (or reopens, with <c>--resume</c>) the training artifacts under the artifacts root, trains
/// with <see cref="FineTuner"/>, then exports the best model atomically to the output directory together with
/// <c>metrics.jsonl</c>, the training-curve chart and a model card, and finally considers promotion.
/// </summary>
internal sealed class TrainingJob(IBaseModelResolver baseModels, Microsoft.Extensions.Options.IOptions<OrtAgentPaths> paths, IAnsiConsole console) : ITrainingJob
{
    public async Task<TrainJobResult> RunAsync(TrainJobOptions options, CancellationToken cancellationToken)
    {
        options.FineTuning.Validate();
        if (options.MaxLength is < 8 or > 512) throw new UserInputException($"--max-length {options.MaxLength}: must be between 8 and 512");
        if (options.DropoutRatio is < 0f or >= 1f || float.IsNaN(options.DropoutRatio))
            throw new UserInputException($"--dropout {options.DropoutRatio.ToString(CultureInfo.InvariantCulture)}: must be at least 0 and below 1");
        if (options.LabelSmoothing is < 0f or >= 1f || float.IsNaN(options.LabelSmoothing))
            throw new UserInputException($"--label-smoothing {options.LabelSmoothing.ToString(CultureInfo.InvariantCulture)}: must be at least 0 and below 1");
        var pooling = ClassifierHeadOptions.ParsePooling(options.Pooling);
        var settings = new OrtSessionSettings { Device = options.Device, IntraOpThreads = options.Threads };
        // Fail on an unusable device before anything is read or written, not after the artifacts are built.
        using (settings.CreateSessionOptions()) { }
        TrainingDestinations.Check(options, ArtifactsDirectoryFor(options));
        var initFrom = options.InitFrom is null ? null : InitialModel.Open(options.InitFrom);
        var resume = options.ResumeFrom is null ? null : TrainingArtifacts.Open(options.ResumeFrom);

        var baseModel = await baseModels.ResolveAsync(resume?.Properties.BaseModel ?? options.BaseModel, cancellationToken);
        string baseName = resume?.Properties.BaseModelName ?? baseModel.Descriptor?.Name ?? Path.GetFileName(baseModel.Directory.TrimEnd('/'));
        int maxLength = Math.Min(resume?.Properties.MaxLength ?? options.MaxLength, baseModel.Architecture.MaxPositions);
        bool lowerCase = baseModel.Architecture.LowerCase;
        var encoder = BertTextEncoder.Create(baseModel.VocabPath, new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength });

        var dataPath = options.DataPath ?? DefaultDataset.FilePath;
        var columns = new DataReadOptions { TextColumn = options.TextColumn, LabelColumn = options.LabelColumn };
        console.MarkupLine(Markup.Escape($"Reading {dataPath} ..."));
        var data = TrainingData.Load(dataPath, options.ValidationPath, columns, encoder, options.FineTuning.Seed,
            resume?.Properties.Labels ?? initFrom?.Info.Labels, cancellationToken);
        console.MarkupLine(Markup.Escape($"{data.Training.Count} training and {data.Validation.Count} validation examples; labels {string.Join(", ", data.Labels)}; base {baseName} ({baseModel.Directory})"));

        var method = resume is null
            ? TrainingMethodChoice.Resolve(options.Method, ClassCounts(data))
            : new TrainingMethodChoice(resume.Properties.Objective == TrainingObjective.PairSimilarity ? TrainingMethod.Contrastive : TrainingMethod.Standard, "resumed");
        console.MarkupLine(Markup.Escape($"Method: {method}"));
        if (method.Method == TrainingMethod.Contrastive) options.Contrastive.Validate();

        var artifacts = resume ?? GenerateArtifacts(options, baseModel, baseName, data, pooling, maxLength, lowerCase, method.Method);
        if (artifacts.Properties.ClassWeights is { } weights)
            console.MarkupLine(Markup.Escape($"Class weights: {ClassWeighting.Describe(data.Labels, weights)}"));
        if (initFrom is not null && resume is null) initFrom.ApplyTo(artifacts);
        var state = resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;
        if (state is not null) console.MarkupLine(Markup.Escape($"Resuming {artifacts.Directory} at epoch {state.Epoch}, step {state.Step}."));

        var metricsPath = Path.Combine(artifacts.Directory, "metrics.jsonl");
        using var metrics = new MetricsLog(metricsPath, resumedAtStep: state?.Step);
        var display = new ConsoleTrainingObserver(console);
        FineTuningResult result;
        ContrastiveResult? contrastive = null;
        using (var session = TrainingSession.Create(artifacts, settings))
        {
            var observer = new CompositeTrainingObserver(display, metrics);
            if (method.Method == TrainingMethod.Contrastive)
            {
                var trainer = new ContrastiveTrainer(session, options.Contrastive, data.Labels, encoder.PaddingTokenId, observer, settings);
                contrastive = display.Run(() => trainer.Run(data.Training, data.Validation, state, cancellationToken));
                // Promotion compares the metric the user chose; the head was picked on accuracy.
                result = contrastive.Run with { BestMetric = contrastive.Run.BestReport!.Metric(options.FineTuning.Metric) };
            }
            else
            {
                var tuner = new FineTuner(session, options.FineTuning, data.Labels, encoder.PaddingTokenId, observer);
                result = display.Run(() => tuner.Run(data.Training, data.Validation, state, cancellationToken));
            }
        }
        var chart = Path.Combine(artifacts.Directory, TrainingCurveChart.FileName);
        TrainingCurveChart.Save(chart, metrics, options.FineTuning.Metric);

        var report = result.BestReport;
        var recorded = new Dictionary<string, double>();
        if (report is not null)
        {
            recorded["accuracy"] = report.Accuracy;
            recorded["macro_f1"] = report.MacroF1;
            if (report.Loss is double loss) recorded["loss"] = loss;
        }
        else if (result.BestMetric is double best) recorded[options.FineTuning.Metric] = best;
        var exportOptions = new ExportOptions
        {
            MaxLength = maxLength,
            LowerCase = lowerCase,
            BaseModelName = baseName,
            Metrics = recorded,
            ModelCard = ModelCardText.For(options, artifacts.Properties, data, new ClassifierModelInfo(data.Labels.ToList(), maxLength, lowerCase, baseName, "single_label", recorded), result,
                method, contrastive),
            ExtraFiles = new Dictionary<string, string> { ["metrics.jsonl"] = metricsPath, [TrainingCurveChart.FileName] = chart },
        };
        ModelExporter.Export(artifacts, result.BestParameters, exportOptions, options.OutputDirectory);
        console.MarkupLine(Markup.Escape($"Exported the best model (step {result.BestStep}) to {options.OutputDirectory}"));

        PromotionDecision? promotion = null;
        if (options.PromoteTo is not null && result.BestMetric is double candidate)
            promotion = ModelPromotion.Promote(options.OutputDirectory, options.PromoteTo, options.FineTuning.Metric, candidate);
        return new TrainJobResult(options.OutputDirectory, artifacts.Directory, report, options.FineTuning.Metric, result.BestMetric,
            result.Steps, result.StoppedEarly, result.Elapsed, promotion);
    }

    private static int[] ClassCounts(TrainingData data)
    {
        var counts = new int[data.Labels.Count];
        for (int i = 0; i < data.Training.Count; i++) counts[data.Training.Label(i)]++;
        return counts;
    }

    /// <summary>Where the run's artifacts are: the resumed directory, or one named after the output under the artifacts root.</summary>
    private string ArtifactsDirectoryFor(TrainJobOptions options) =>
        options.ResumeFrom ?? Path.Combine(paths.Value.ArtifactsRoot, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.OutputDirectory))));

    private TrainingArtifacts GenerateArtifacts(TrainJobOptions options, BaseModel baseModel, string baseName, TrainingData data,
        PoolingMode pooling, int maxLength, bool lowerCase, TrainingMethod method)
    {
        bool pairs = method == TrainingMethod.Contrastive;
        var directory = ArtifactsDirectoryFor(options);
        console.MarkupLine(Markup.Escape($"Building training graphs in {directory} ..."));
        return TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = baseModel.Directory,
            Labels = data.Labels.ToList(),
            NumLabels = data.Labels.Count,
            Pooling = pooling,
            Objective = pairs ? TrainingObjective.PairSimilarity : TrainingObjective.Classification,
            FreezePatterns = options.Freeze,
            FreezeLayers = options.FreezeLayers,
            Seed = options.FineTuning.Seed,
            // The pair objective has no head, hence no head dropout, class weights or label smoothing.
            DropoutRatio = pairs ? 0f : options.DropoutRatio,
            ClassWeights = pairs ? null : options.ClassWeights.Resolve(data.Labels, data.Training),
            LabelSmoothing = pairs ? 0f : options.LabelSmoothing,
            AdamW = new AdamWOptions { WeightDecay = options.WeightDecay },
            MaxLength = maxLength,
            LowerCase = lowerCase,
            BaseModelName = baseName,
        }, directory);
    }
}
