namespace OrtAgent.Training.Autodiff;

/// <summary>What <see cref="GradientBuilder.Build"/> does with a parameter the loss does not depend on.</summary>
public enum UnreachableParameterPolicy
{
    /// <summary>The gradient is a zero tensor shaped like the parameter (a frozen or unused weight).</summary>
    Zero,

    /// <summary>Building fails naming the parameter: usually a wiring mistake in the training graph.</summary>
    Throw,
}

/// <summary>Options for <see cref="GradientBuilder.Build"/>; the defaults suit training graphs.</summary>
public sealed class GradientBuilderOptions
{
    /// <summary>The rules to use; <see cref="GradientRegistry.Default"/> when null.</summary>
    public GradientRegistry? Registry { get; init; }

    /// <summary>What a parameter the loss does not depend on gets; a zero gradient by default.</summary>
    public UnreachableParameterPolicy UnreachableParameters { get; init; } = UnreachableParameterPolicy.Zero;

    /// <summary>Whether each gradient is also appended to the graph's outputs (named <c>{parameter}_grad</c> either way).</summary>
    public bool AddGradientOutputs { get; init; }
}
