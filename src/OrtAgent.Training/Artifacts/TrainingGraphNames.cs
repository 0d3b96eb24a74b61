namespace OrtAgent.Training.Artifacts;

/// <summary>Input names of the training model that are not batch tensors or parameters.</summary>
public static class TrainingGraphNames
{
    /// <summary>Float scalar output of the training and eval models: the mean loss of the batch.</summary>
    public const string Loss = "loss";

    /// <summary>Suffix of the training-model input that carries the gradient accumulated so far (<c>p_grad.accumulated</c>).</summary>
    public const string AccumulatedSuffix = ".accumulated";

    /// <summary>
    /// Float scalar input of the training model multiplying the loss before differentiation (not the reported loss):
    /// the trainer feeds 1/N when it accumulates N micro-batches, so the summed gradients are the mean, as in PyTorch.
    /// </summary>
    public const string LossScale = "loss_scale";
}
