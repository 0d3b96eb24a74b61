using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>The values a <see cref="TaskHeadBuilder"/> appended to a graph; the graph owns them all.</summary>
public sealed class ClassifierHead
{
    /// <summary>The head's weight initializer, float <c>[hidden, numLabels]</c> (stored [in, out] as MatMul reads it).</summary>
    public const string WeightName = "classifier.weight";
    /// <summary>The head's bias initializer, float <c>[numLabels]</c>.</summary>
    public const string BiasName = "classifier.bias";
    /// <summary>The float scalar input holding the dropout probability under <see cref="HeadDropout.GraphInputs"/>.</summary>
    public const string DropoutRatioInputName = "dropout_ratio";
    /// <summary>The bool scalar input switching dropout on under <see cref="HeadDropout.GraphInputs"/>.</summary>
    public const string TrainingModeInputName = "training_mode";
    /// <summary>
    /// The bool <c>[batch, hidden]</c> graph output of Dropout's mask, exposed in graphs that can drop (not under
    /// <see cref="HeadDropout.Evaluation"/>) so that ONNX Runtime does not delete the Dropout node.
    /// </summary>
    public const string DropoutMaskOutputName = "dropout_mask";

    /// <summary>The keep-mask input under <see cref="HeadDropout.KeepMaskInput"/>.</summary>
    public const string DropoutKeepInputName = "dropout_keep";

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
