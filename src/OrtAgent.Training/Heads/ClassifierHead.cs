using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>The values a <see cref="TaskHeadBuilder"/> appended to a graph; the graph owns them all.</summary>
public sealed class ClassifierHead
{
    public const string WeightName = "classifier.weight";
    public const string BiasName = "classifier.bias";
    public const string DropoutRatioInputName = "dropout_ratio";
    public const string TrainingModeInputName = "training_mode";
    public const string DropoutMaskOutputName = "dropout_mask";

    internal ClassifierHead() { }

    /// <summary>Float logits <c>[batch, numLabels]</c>.</summary>
    public required Value Logits { get; init; }

    /// <summary>The pooled sequence vectors <c>[batch, hidden]</c>, before dropout.</summary>
    public required Value Pooled { get; init; }

    /// <summary>The initializer <c>classifier.weight</c>, <c>[hidden, numLabels]</c> (stored [in, out] for MatMul).</summary>
    public required Value Weight { get; init; }

    /// <summary>The initializer <c>classifier.bias</c>, <c>[numLabels]</c>.</summary>
    public required Value Bias { get; init; }

    /// <summary>
    /// The Dropout mask <c>[batch, hidden]</c>. Unless the head was built for evaluation it is also the graph output
    /// <c>dropout_mask</c>: ONNX Runtime deletes Dropout nodes whose mask nothing uses, even in training mode.
    /// </summary>
    public required Value DropoutMask { get; init; }

    /// <summary>The <c>dropout_ratio</c> input under <see cref="HeadDropout.GraphInputs"/>, else null.</summary>
    public Value? DropoutRatioInput { get; init; }

    /// <summary>The <c>training_mode</c> input under <see cref="HeadDropout.GraphInputs"/>, else null.</summary>
    public Value? TrainingModeInput { get; init; }
}
