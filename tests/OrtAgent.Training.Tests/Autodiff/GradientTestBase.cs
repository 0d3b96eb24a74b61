using OrtAgent.Onnx;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

/// <summary>Runs a <see cref="GradientCheck"/> and logs its worst errors, so a test run reports them per rule.</summary>
public abstract class GradientTestBase(ITestOutputHelper output)
{
    protected void Check(string name, Func<Graph, IReadOnlyList<Value>, Value> build, CheckInput[] inputs,
        DeclaredShape declared = DeclaredShape.Static, ElementType type = ElementType.Double, int opset = 17, double? h = null, double? tolerance = null)
    {
        var r = GradientCheck.Run(build, inputs, type, opset, declared, h, tolerance);
        output.WriteLine($"{name} [{declared}, {type}]: {r.Elements} elements, max abs error {r.MaxAbsError:E2}, max rel error {r.MaxRelError:E2}, {r.BackwardNodes} backward nodes");
    }

    protected static Value Doubles(Graph g, long[] dims, params double[] values) => g.Constant(TensorData.Create<double>(dims, values));

    protected static Value Longs(Graph g, long[] dims, params long[] values) => g.Constant(TensorData.Create<long>(dims, values));
}
