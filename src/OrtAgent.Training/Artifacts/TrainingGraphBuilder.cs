using System.Text.RegularExpressions;
using OrtAgent.Onnx;
using OrtAgent.Onnx.Transforms;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Autodiff;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Artifacts;

/// <summary>A built training or eval model and the parameters it was built with.</summary>
internal sealed record TrainingGraph(
    OnnxModel Model,
    BertEncoderGraph Encoder,
    IReadOnlyList<KeyValuePair<string, TensorData>> Trainable,
    IReadOnlyList<KeyValuePair<string, TensorData>> Frozen,
    IReadOnlyList<string>? LoraAdaptedWeights);

/// <summary>
/// Turns a base encoder into the training model (dropout on, gradients out) or the eval model (no dropout):
/// encoder + head + loss, trainable parameters lifted to graph inputs, frozen ones left as initializers.
/// </summary>
internal static partial class TrainingGraphBuilder
{
    public const int Opset = 17;
    /// <param name="model">The base encoder, loaded for this graph alone: it is edited in place.</param>
    /// <param name="encoderPath">Where the encoder is (or, for one made for the run, will be) read from, which refusals name.</param>
    /// <param name="options">What to build.</param>
    /// <param name="training">The training graph (dropout on, gradients out), or the eval graph.</param>
    /// <param name="beforeGradients">Called between the forward pass and the backward one, the longest part (where a stop is looked at); null for nothing.</param>
    public static TrainingGraph Build(OnnxModel model, string encoderPath, TrainingArtifactsOptions options, bool training, Action? beforeGradients = null)
    {
        var g = model.Graph;
        PrepareOpset(model, encoderPath);
        // One LayerNormalization and one Gelu instead of the exporters' 9- and 5-node spellings: the backward pass then
        // reuses the saved mean and inverse std-dev, and far fewer intermediate tensors stay alive between passes.
        LayerNormalizationFusion.Apply(g);
        GeluFusion.Apply(g);
        g.Name = training ? "training_model" : "eval_model";

        var encoder = BertEncoderGraph.Attach(g);
        g.Outputs.Clear(); // the encoder's own outputs (token states, pooler) are not outputs of a training graph
        // Before the adapters, so that they read the dropped values as the layers they adapt do.
        if (training && options.EncoderDropoutRatio > 0)
            EncoderDropout.Attach(encoder, options.EncoderDropoutRatio, options.Seed,
                InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.EncoderDropoutRatio)));
        var adapted = options.Lora is { } lora ? LoraGraph.Attach(g, lora, training, options.Seed) : null;
        var loss = options.Objective == TrainingObjective.PairSimilarity
            ? PairSimilarityObjective.Append(encoder, options.ContrastiveLoss, options.ContrastiveTemperature)
            : AppendClassification(encoder, options, training);
        g.RemoveUnused();

        var freeze = options.AllFreezePatterns().Select(NameGlob.Parse).ToArray();
        var parameters = ParametersInUseOrder(g);
        // Said of the range given, not of the pattern one of its layers became.
        if (options.FreezeLayers is { } range && LayerRange.ToPatterns(range).Select(NameGlob.Parse).Any(layer => !parameters.Any(p => layer.IsMatch(p.Name))))
            throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezeLayers)), range,
                $"reaches past the model's encoder ({LayersOf(parameters.Select(p => p.Name)) ?? "it has no numbered layers"})");
        foreach (var glob in freeze)
            if (!parameters.Any(p => glob.IsMatch(p.Name)))
                throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezePatterns)), glob.ToString(),
                    $"matches no parameter of the model ({LayersOf(parameters.Select(p => p.Name)) ?? $"for example '{parameters[0].Name}'"})");
        var frozen = adapted is null
            ? parameters.Where(p => NameGlob.AnyMatch(freeze, p.Name)).ToList()
            : parameters.Where(p => !LoraParameterNames.IsAdapter(p.Name) && p.Name is not (ClassifierHead.WeightName or ClassifierHead.BiasName)).ToList();
        var trainable = parameters.Except(frozen).ToList();
        if (trainable.Count == 0) throw new UserInputException("the freeze patterns freeze every parameter; nothing would be trained");

        var inputs = trainable.Select(p => LiftToInput(g, p)).ToList();
        if (training)
        {
            beforeGradients?.Invoke();
            AppendGradients(g, loss, inputs);
        }
        return new TrainingGraph(model, encoder,
            trainable.Select(p => new KeyValuePair<string, TensorData>(p.Name, p.Initializer!)).ToList(),
            frozen.Select(p => new KeyValuePair<string, TensorData>(p.Name, p.Initializer!)).ToList(), adapted);
    }

    /// <summary>The head and its loss; outputs <c>loss</c>, <c>logits</c> and, when training, the dropout mask.</summary>
    private static Value AppendClassification(BertEncoderGraph encoder, TrainingArtifactsOptions options, bool training)
    {
        var g = encoder.Graph;
        var head = TaskHeadBuilder.Append(encoder, options.HeadOptions, training ? HeadDropout.KeepMaskInput : HeadDropout.Evaluation);
        var lossOptions = training ? options.LossOptions : options.LossOptions.ForEvaluation();
        var labels = LossBuilder.AddLabelsInput(g, lossOptions.Kind, options.NumLabels);
        var loss = LossBuilder.Append(g, head.Logits, labels, options.NumLabels, lossOptions);
        var mask = g.Outputs.ToList();
        g.Outputs.Clear();
        GraphOutputs.Expose(g, loss, TrainingGraphNames.Loss, ElementType.Float, []);
        GraphOutputs.Expose(g, head.Logits, ModelContract.Logits, ElementType.Float, head.Logits.Shape);
        g.Outputs.AddRange(mask);
        return loss;
    }

    internal static void PrepareOpset(OnnxModel model, string path)
    {
        long opset = model.Graph.OpsetVersion;
        if (opset >= Opset) return; // newer imports already spell every op the head, loss and rules use in their modern form
        RequireUpgradableOpset(model.Graph, path);
        try
        {
            OpsetUpgrader.Upgrade(model, Opset);
        }
        catch (NotSupportedException ex)
        {
            throw new UserInputException($"base model '{path}' (opset {opset}) cannot be raised to opset {Opset} for training: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Refuses a base model older than <see cref="OpsetUpgrader"/> converts from, in the user's words: the upgrader's own
    /// refusal is an <see cref="ArgumentOutOfRangeException"/> for its callers, which named the parameter and not the file.
    /// </summary>
    /// <param name="graph">The base model's graph.</param>
    /// <param name="modelPath">The file it was read from, named in the message.</param>
    /// <exception cref="UserInputException">The graph imports an opset below <see cref="OpsetUpgrader.MinimumSourceOpset"/>.</exception>
    internal static void RequireUpgradableOpset(Graph graph, string modelPath)
    {
        if (graph.OpsetVersion < OpsetUpgrader.MinimumSourceOpset)
            throw new UserInputException($"base model '{modelPath}' uses ONNX opset {graph.OpsetVersion}; the oldest OrtAgent trains from is "
                + $"{OpsetUpgrader.MinimumSourceOpset} (export the encoder again at opset {OpsetUpgrader.MinimumSourceOpset} or later)");
    }

    /// <summary>
    /// Floating-point initializers with PyTorch state-dict names (<c>encoder.layer.0.attention.self.query.weight</c>),
    /// in the order the graph first reads them. Anonymous float initializers are exporter constants, not parameters.
    /// </summary>
    private static List<Value> ParametersInUseOrder(Graph g)
    {
        var order = new List<Value>();
        var seen = new HashSet<Value>();
        foreach (var node in g.Nodes)
            foreach (var input in node.Inputs)
                if (input?.Initializer is { } data && ElementTypes.IsFloatingPoint(data.Type)
                    && StateDictName().IsMatch(input.Name) && seen.Add(input))
                    order.Add(input);
        return order;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")]
    private static partial Regex StateDictName();

    private static Value LiftToInput(Graph g, Value parameter)
    {
        var data = parameter.Initializer!;
        g.RemoveInitializer(parameter);
        var input = g.AddInput(parameter.Name, data.Type, data.Dims.Select(Dim.Known).ToArray());
        // The removed initializer keeps its data, which the caller reads for the checkpoint.
        g.ReplaceAllUses(parameter, input);
        return input;
    }

    /// <summary>
    /// Appends the backward pass and, per parameter <c>p</c>, the input <c>p_grad.accumulated</c> and the output
    /// <c>p_grad = p_grad.accumulated + ∂loss/∂p</c>: accumulating is feeding the previous output back, resetting is feeding zeros.
    /// </summary>
    private static void AppendGradients(Graph g, Value loss, IReadOnlyList<Value> parameters)
    {
        // Scaling the loss scales every gradient through the chain rule at no cost beyond one scalar Mul.
        var scale = g.AddInput(TrainingGraphNames.LossScale, ElementType.Float, []);
        var scaledLoss = g.Mul(loss, scale);
        // Symbolic shapes ([batch, sequence, 384]) let the gradient rules see that most binary ops do not broadcast,
        // so they skip the run-time un-broadcasting reductions that would otherwise copy every such gradient.
        g.TopologicalSort();
        ShapeInference.Run(g);
        var gradients = GradientBuilder.Build(g, scaledLoss, parameters);
        foreach (var p in parameters)
        {
            var name = OptimizerGraphNames.Gradient(p.Name);
            var accumulated = g.AddInput(name + TrainingGraphNames.AccumulatedSuffix, ElementType.Float, p.Shape);
            var batchGradient = gradients[p];
            batchGradient.Name = g.UniqueValueName(name + ".batch");
            GraphOutputs.Expose(g, g.Add(accumulated, batchGradient), name, ElementType.Float, p.Shape);
        }
    }

    // "its encoder has layers 0-5", from the parameter names, for a --freeze-layers range past the last layer.
    private static string? LayersOf(IEnumerable<string> names)
    {
        int count = names.Where(n => n.StartsWith(LayerRange.LayerPrefix, StringComparison.Ordinal))
            .Select(n => n[LayerRange.LayerPrefix.Length..])
            .Select(rest => int.TryParse(rest[..Math.Max(0, rest.IndexOf('.'))], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) ? layer + 1 : 0)
            .DefaultIfEmpty(0).Max();
        return count == 0 ? null : $"its encoder has layers 0-{count - 1}";
    }
}
