using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff.Rules;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// The gradient rules, keyed by op type (<c>domain.OpType</c> outside the default domain). Two kinds of
/// "nothing flows back" are kept apart: an op registered with <see cref="RegisterNoGradient"/> cuts the path
/// (its outputs are constants with respect to every parameter: Shape, Equal...), while an input or output listed as
/// non-differentiable in <see cref="Register"/> must never be asked for a gradient: a gradient arriving at such an
/// output is a graph the rules do not understand, and building fails naming the node.
/// </summary>
/// <remarks>
/// <see cref="Default"/> is frozen: every <see cref="GradientBuilder"/> call in the process that names no registry uses
/// it, so one caller's rule must not change another's gradients. To add or replace rules, start a registry of your own
/// from <see cref="CreateDefault"/> (or empty, with <c>new</c>), extend it, and pass it as
/// <see cref="GradientBuilderOptions.Registry"/>.
/// </remarks>
public sealed class GradientRegistry
{
    private readonly Dictionary<string, GradientRuleEntry> _rules = new(StringComparer.Ordinal);

    private static readonly Lazy<GradientRegistry> DefaultRegistry = new(() => CreateDefault().Freeze());

    /// <summary>
    /// Every built-in rule, shared by the whole process and frozen (<see cref="IsReadOnly"/>): registering into it throws.
    /// Extend a copy from <see cref="CreateDefault"/> instead.
    /// </summary>
    public static GradientRegistry Default => DefaultRegistry.Value;

    /// <summary>True for <see cref="Default"/>, which takes no more rules; a registry a caller creates is writable.</summary>
    public bool IsReadOnly { get; private set; }

    /// <summary>A new, writable registry holding every built-in rule: the way to extend or override them.</summary>
    public static GradientRegistry CreateDefault()
    {
        var registry = new GradientRegistry();
        ElementwiseGradients.Register(registry);
        MathGradients.Register(registry);
        ActivationGradients.Register(registry);
        ReductionGradients.Register(registry);
        MatMulGradients.Register(registry);
        ShapeGradients.Register(registry);
        IndexingGradients.Register(registry);
        NormalizationGradients.Register(registry);
        registry.RegisterNoGradient(
            "Shape", "Size", "Constant", "ConstantOfShape", "Range", "NonZero", "ArgMax", "ArgMin",
            "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf",
            // Piecewise constant: the derivative is zero wherever it exists.
            "Sign", "Floor", "Ceil", "Round",
            // Random draws shaped like their input (dropout masks) do not depend on its values.
            "RandomUniformLike", "RandomNormalLike");
        return registry;
    }

    /// <summary>Registers <paramref name="rule"/> for <paramref name="opType"/>, replacing any earlier rule.</summary>
    /// <param name="opType">The op type, <c>domain.OpType</c> outside the default domain.</param>
    /// <param name="rule">Builds the input gradients from the output gradients.</param>
    /// <param name="nonDifferentiableInputs">Input positions that never take a gradient (indices, shapes, axes, conditions).</param>
    /// <param name="nonDifferentiableOutputs">Output positions a gradient must never arrive at (masks, saved statistics).</param>
    /// <param name="outputsDifferentiable">Per-node test of whether outputs carry gradient at all (Cast to an integer does not).</param>
    /// <exception cref="InvalidOperationException">This is the frozen <see cref="Default"/>.</exception>
    public void Register(string opType, GradientRule rule, int[]? nonDifferentiableInputs = null,
        int[]? nonDifferentiableOutputs = null, Func<Node, bool>? outputsDifferentiable = null)
    {
        ThrowIfReadOnly(opType);
        _rules[opType] = new GradientRuleEntry(rule, nonDifferentiableInputs ?? [], nonDifferentiableOutputs ?? [], outputsDifferentiable);
    }

    /// <summary>Marks ops whose outputs carry no gradient: the backward walk stops at them.</summary>
    /// <exception cref="InvalidOperationException">This is the frozen <see cref="Default"/>.</exception>
    public void RegisterNoGradient(params string[] opTypes)
    {
        ArgumentNullException.ThrowIfNull(opTypes);
        ThrowIfReadOnly(string.Join(", ", opTypes));
        foreach (var op in opTypes) _rules[op] = GradientRuleEntry.NoGradient;
    }

    private GradientRegistry Freeze()
    {
        IsReadOnly = true;
        return this;
    }

    private void ThrowIfReadOnly(string opTypes)
    {
        if (IsReadOnly)
            throw new InvalidOperationException($"GradientRegistry.Default is shared by the whole process and takes no rules (asked to register {opTypes}); " +
                "register into a registry from GradientRegistry.CreateDefault() and pass it as GradientBuilderOptions.Registry.");
    }

    internal GradientRuleEntry? Find(Node node) =>
        _rules.TryGetValue(Key(node), out var entry) ? entry : null;

    private static string Key(Node node) => node.Domain.Length == 0 ? node.OpType : $"{node.Domain}.{node.OpType}";
}

internal sealed record GradientRuleEntry(GradientRule? Rule, int[] NonDifferentiableInputs, int[] NonDifferentiableOutputs,
    Func<Node, bool>? OutputsDifferentiable)
{
    public static readonly GradientRuleEntry NoGradient = new(null, [], [], _ => false);

    public bool CarriesGradient(Node node) => Rule is not null && (OutputsDifferentiable?.Invoke(node) ?? true);

    public bool IsDifferentiableInput(int index) => Array.IndexOf(NonDifferentiableInputs, index) < 0;
}
