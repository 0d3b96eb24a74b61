using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>
/// Appends a classification head to a BERT-family encoder graph: pooling, Dropout, then a linear layer
/// <c>logits = dropout(pooled) · classifier.weight + classifier.bias</c>, spelled in ops with gradient rules.
/// </summary>
public static class TaskHeadBuilder
{
    /// <summary>Standard deviation of the classifier weights at initialisation, as BERT's <c>initializer_range</c>.</summary>
    public const double InitializerRange = 0.02;

    /// <summary>Appends the head to <paramref name="encoder"/>'s graph. The encoder's own outputs are left in place.</summary>
    /// <exception cref="UserInputException">The options are invalid, or pooler pooling was asked of a base without a pooler.</exception>
    public static ClassifierHead Append(BertEncoderGraph encoder, ClassifierHeadOptions options, HeadDropout dropout)
    {
        options.Validate();
        var g = encoder.Graph;
        var pooled = options.Pooling switch
        {
            PoolingMode.Mean => MaskedMean(g, encoder.LastHiddenState, encoder.AttentionMask),
            // Gather on axis 1 with a scalar index drops the sequence axis, as the exporter's own pooler does.
            PoolingMode.Cls => g.Gather(encoder.LastHiddenState, g.Constant(TensorData.Scalar(0L), "cls_index"), axis: 1),
            PoolingMode.Pooler => encoder.PoolerOutput ?? throw new InvalidOptionException(
                InvalidOptionException.Name<ClassifierHeadOptions>(nameof(ClassifierHeadOptions.Pooling)), options.Pooling,
                "the base model has no pooler output; use mean or CLS pooling"),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
        if (options.NormalizeEmbeddings) pooled = L2Normalize(g, pooled);

        Value? ratioInput = null, trainingInput = null;
        Value dropped, mask;
        if (dropout == HeadDropout.KeepMaskInput)
        {
            mask = g.AddInput(ClassifierHead.DropoutKeepInputName, ElementType.Float, [Dim.Symbolic("batch"), Dim.Known(encoder.HiddenSize)]);
            dropped = g.Mul(pooled, mask);
        }
        else
        {
            Value ratio, training;
            if (dropout == HeadDropout.GraphInputs)
            {
                ratio = ratioInput = g.AddInput(ClassifierHead.DropoutRatioInputName, ElementType.Float, []);
                training = trainingInput = g.AddInput(ClassifierHead.TrainingModeInputName, ElementType.Bool, []);
            }
            else
            {
                ratio = g.Constant(TensorData.Scalar(options.DropoutRatio), "dropout_ratio");
                training = g.Constant(TensorData.Create<bool>([], [dropout == HeadDropout.Training]), "training_mode");
            }
            (dropped, mask) = g.Dropout(pooled, ratio, training, seed: options.Seed);
            if (dropout != HeadDropout.Evaluation)
            {
                // Stock ONNX Runtime's EliminateDropout rule deletes any Dropout whose mask output no node reads and that
                // produces no graph output, whatever training_mode says. Exposing the mask keeps the node in the graph.
                GraphOutputs.Expose(g, mask, ClassifierHead.DropoutMaskOutputName, ElementType.Bool, [Dim.Symbolic("batch"), Dim.Known(encoder.HiddenSize)]);
            }
        }
        var weight = g.AddInitializer(ClassifierHead.WeightName, InitialWeights(encoder.HiddenSize, options.NumLabels, options.Seed));
        var bias = g.AddInitializer(ClassifierHead.BiasName, TensorData.Zeros(ElementType.Float, [options.NumLabels]));
        var logits = g.Add(g.MatMul(dropped, weight), bias);
        logits.Type = ElementType.Float;
        logits.Shape = [Dim.Symbolic("batch"), Dim.Known(options.NumLabels)];
        return new ClassifierHead
        {
            Logits = logits,
            Pooled = pooled,
            Weight = weight,
            Bias = bias,
            DropoutMask = mask,
            DropoutRatioInput = ratioInput,
            TrainingModeInput = trainingInput,
        };
    }

    /// <summary>Σ h·mask / max(Σ mask, 1e-9) over the sequence axis; padding contributes nothing.</summary>
    internal static Value MaskedMean(Graph g, Value hidden, Value attentionMask)
    {
        var mask = g.Cast(g.Unsqueeze(attentionMask, 2), ElementType.Float);
        var summed = g.ReduceSum(g.Mul(hidden, mask), [1], keepDims: false);
        var counts = g.Max(g.ReduceSum(mask, [1], keepDims: false), g.Constant(TensorData.Scalar(1e-9f), "min_count"));
        return g.Div(summed, counts);
    }

    /// <summary>x / max(‖x‖₂, 1e-12) along the last axis, as PyTorch's <c>F.normalize</c>.</summary>
    internal static Value L2Normalize(Graph g, Value x)
    {
        var norm = g.Sqrt(g.ReduceSum(g.Mul(x, x), [-1], keepDims: true));
        return g.Div(x, g.Max(norm, g.ScalarLike(x, 1e-12)));
    }

    /// <summary>Normal(0, 0.02) weights <c>[hidden, numLabels]</c> from a seeded generator, so a seed reproduces a run.</summary>
    internal static TensorData InitialWeights(int hidden, int numLabels, int seed)
    {
        var random = new Random(seed);
        var values = new float[hidden * numLabels];
        for (int i = 0; i < values.Length; i++)
        {
            // Box–Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(InitializerRange * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return TensorData.Create<float>([hidden, numLabels], values);
    }
}
