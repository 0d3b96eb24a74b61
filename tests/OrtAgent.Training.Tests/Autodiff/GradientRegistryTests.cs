using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;

namespace OrtAgent.Training.Tests.Autodiff;

/// <summary>
/// The process-wide <see cref="GradientRegistry.Default"/> takes no rules (one caller's rule would change every other
/// caller's gradients); a registry from <see cref="GradientRegistry.CreateDefault"/> is the caller's own to extend.
/// </summary>
public sealed class GradientRegistryTests
{
    // y = sin(x): dx = g * cos(x). Sin has no built-in rule.
    private static readonly GradientRule Sin = c => [c.Graph.Mul(c.GO(0), c.Graph.Op("Cos", c.I(0)))];

    private static (Graph Graph, Value X, Value Loss) SumOfSin()
    {
        var g = new Graph("t");
        var x = g.AddInput("x", ElementType.Float, [Dim.Known(2), Dim.Known(3)]);
        var loss = g.Op("ReduceSum", [g.Op("Sin", x)], Graph.Attrs(("keepdims", 0L)));
        return (g, x, loss);
    }

    [Fact]
    public void TheDefaultRegistryRefusesNewAndReplacedRules()
    {
        Assert.True(GradientRegistry.Default.IsReadOnly);

        var added = Assert.Throws<InvalidOperationException>(() => GradientRegistry.Default.Register("Sin", Sin));
        var replaced = Assert.Throws<InvalidOperationException>(() => GradientRegistry.Default.RegisterNoGradient("Exp"));

        Assert.StartsWith("GradientRegistry.Default is shared by the whole process and takes no rules (asked to register Sin)", added.Message);
        Assert.Contains("GradientRegistry.CreateDefault()", replaced.Message);
        // Nothing was changed by the refused calls: Sin still has no rule, Exp still has its own.
        var (g, x, loss) = SumOfSin();
        Assert.Throws<InvalidOperationException>(() => GradientBuilder.Build(g, loss, [x]));
        var exp = new Graph("e");
        var y = exp.AddInput("y", ElementType.Float, [Dim.Known(2)]);
        var expLoss = exp.Op("ReduceSum", [exp.Exp(y)], Graph.Attrs(("keepdims", 0L)));
        Assert.Contains(y, GradientBuilder.Build(exp, expLoss, [y]).Keys);
    }

    [Fact]
    public void ACopyOfTheDefaultTakesARuleAndOnlyItUsesIt()
    {
        var registry = GradientRegistry.CreateDefault();
        Assert.False(registry.IsReadOnly);

        registry.Register("Sin", Sin);

        var (g, x, loss) = SumOfSin();
        var gradient = GradientBuilder.Build(g, loss, [x], new GradientBuilderOptions { Registry = registry })[x];
        Assert.Equal("x_grad", gradient.Name);
        Assert.Contains(g.Nodes, n => n.OpType == "Cos");
        // The built-in rules came along with the copy, and the shared default did not gain the caller's rule.
        var (other, otherX, otherLoss) = SumOfSin();
        var error = Assert.Throws<InvalidOperationException>(() => GradientBuilder.Build(other, otherLoss, [otherX]));
        Assert.StartsWith("No gradient rule for op 'Sin'", error.Message);
    }
}
