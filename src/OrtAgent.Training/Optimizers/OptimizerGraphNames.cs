namespace OrtAgent.Training.Optimizers;

/// <summary>
/// The input and output names every optimizer graph uses, so the trainer can wire training outputs to
/// optimizer inputs and optimizer outputs back to the next step's inputs by name alone.
/// </summary>
public static class OptimizerGraphNames
{
    /// <summary>Float scalar: the learning rate for this step (the C# side runs the schedule).</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>Int64 scalar: the 1-based number of this optimizer step, for bias correction.</summary>
    public const string Step = "step";

    /// <summary>Float scalar: clip the global gradient norm to this; zero or less turns clipping off.</summary>
    public const string MaxGradNorm = "max_grad_norm";

    /// <summary>Float scalar output: the global L2 norm of all gradients before clipping, for logging.</summary>
    public const string GradNorm = "grad_norm";

    /// <summary>The gradient of a parameter, as the training graph outputs it and the optimizer graph reads it.</summary>
    public static string Gradient(string parameter) => parameter + "_grad";

    /// <summary>An optimizer state tensor of a parameter, e.g. <c>classifier.weight.exp_avg</c>.</summary>
    public static string State(string parameter, string state) => $"{parameter}.{state}";

    /// <summary>The updated value of an input (parameter or state), e.g. <c>classifier.weight.new</c>.</summary>
    public static string Updated(string name) => name + ".new";
}
