namespace OrtAgent.Training.Optimizers;

/// <summary>The optimizers OrtAgent builds graphs for.</summary>
public enum OptimizerKind
{
    /// <summary><see cref="AdamWOptimizerGraph"/>, PyTorch's <c>torch.optim.AdamW</c> (<c>adamw</c>).</summary>
    AdamW,

    /// <summary><see cref="SgdOptimizerGraph"/>, PyTorch's <c>torch.optim.SGD</c> (<c>sgd</c>).</summary>
    Sgd,
}
