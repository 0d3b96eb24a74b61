using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;

namespace OrtAgent.Training.Tests.Autodiff;

/// <summary>How a check declares its graph inputs: every dim known, dims as symbols (rank known), or no shape at all.</summary>
public enum DeclaredShape { Static, Symbolic, Unknown }

/// <summary>One differentiable graph input of a check, filled with uniform random values in [Low, High].</summary>
public sealed record CheckInput(string Name, long[] Dims, double Low = -1, double High = 1);

/// <summary>
/// Central finite-difference check of <see cref="GradientBuilder"/>: builds x → op → y, a loss sum(y * W) with a fixed
/// random W, runs forward and backward in ONNX Runtime, and compares each analytic gradient element with
/// (L(x+h) - L(x-h)) / 2h from forward runs of the same session.
/// </summary>
public static class GradientCheck
{
    public sealed record Result(double MaxAbsError, double MaxRelError, int Elements, int BackwardNodes);

    public static Result Run(Func<Graph, IReadOnlyList<Value>, Value> build, CheckInput[] inputs, ElementType type = ElementType.Double,
        int opset = 17, DeclaredShape declared = DeclaredShape.Static, double? h = null, double? tolerance = null, int seed = 7)
    {
        bool isDouble = type == ElementType.Double;
        double step = h ?? (isDouble ? 1e-6 : 1e-3);
        double tol = tolerance ?? (isDouble ? 1e-6 : 1e-2);
        var random = new Random(seed);
        var values = inputs.Select(i => Enumerable.Range(0, (int)i.Dims.Aggregate(1L, (a, b) => a * b))
            .Select(_ => i.Low + (i.High - i.Low) * random.NextDouble()).ToArray()).ToArray();

        // Forward alone first, to learn y's shape for W.
        var probe = NewGraph(opset, inputs, type, declared, out var probeInputs);
        var y0 = build(probe, probeInputs);
        y0.Type = type;
        probe.AddOutput(y0);
        long[] yShape;
        using (var session = Session(probe))
        using (var outputs = RunSession(session, inputs, values, type, [y0.Name]))
            yShape = outputs[0].GetTensorTypeAndShape().Shape;

        var graph = NewGraph(opset, inputs, type, declared, out var graphInputs);
        var y = build(graph, graphInputs);
        var wData = Enumerable.Range(0, (int)yShape.Aggregate(1L, (a, b) => a * b)).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var w = graph.AddInitializer("W", isDouble ? TensorData.Create<double>(yShape, wData) : TensorData.Create<float>(yShape, wData.Select(v => (float)v).ToArray()));
        var loss = graph.Op("ReduceSum", [graph.Mul(y, w)], Graph.Attrs(("keepdims", 0L)));
        loss.Type = type;
        graph.AddOutput(loss);
        int forwardNodes = graph.Nodes.Count;
        var grads = GradientBuilder.Build(graph, loss, graphInputs, new GradientBuilderOptions { AddGradientOutputs = true });
        int backwardNodes = graph.Nodes.Count - forwardNodes;

        using var trained = Session(graph);
        var names = graphInputs.Select(p => grads[p].Name).ToArray();
        double[][] analytic;
        using (var outputs = RunSession(trained, inputs, values, type, names))
            analytic = outputs.Select(o => Read(o, isDouble)).ToArray();

        double maxAbs = 0, maxRel = 0;
        int count = 0;
        var failures = new List<string>();
        for (int k = 0; k < inputs.Length; k++)
        {
            Assert.Equal(values[k].Length, analytic[k].Length);
            for (int e = 0; e < values[k].Length; e++)
            {
                double saved = values[k][e];
                values[k][e] = saved + step;
                double plus = Loss(trained, inputs, values, type, loss.Name);
                values[k][e] = saved - step;
                double minus = Loss(trained, inputs, values, type, loss.Name);
                values[k][e] = saved;
                double fd = (plus - minus) / (2 * step);
                double abs = Math.Abs(fd - analytic[k][e]);
                double rel = abs / Math.Max(1, Math.Max(Math.Abs(fd), Math.Abs(analytic[k][e])));
                maxAbs = Math.Max(maxAbs, abs);
                maxRel = Math.Max(maxRel, rel);
                count++;
                // Not "rel > tol": a NaN on either side compares false to everything, and passed.
                if (!(rel <= tol)) failures.Add($"{inputs[k].Name}[{e}]: analytic {analytic[k][e]:G9}, finite difference {fd:G9}");
            }
        }
        Assert.True(failures.Count == 0, $"Gradient mismatch (tolerance {tol}):\n{string.Join("\n", failures.Take(10))}");
        return new Result(maxAbs, maxRel, count, backwardNodes);
    }

    private static Graph NewGraph(int opset, CheckInput[] inputs, ElementType type, DeclaredShape declared, out List<Value> values)
    {
        var graph = new Graph("check", opset);
        values = inputs.Select(i => graph.AddInput(i.Name, type, declared switch
        {
            DeclaredShape.Static => i.Dims.Select(Dim.Known).ToArray(),
            DeclaredShape.Symbolic => i.Dims.Select((_, d) => Dim.Symbolic($"{i.Name}_{d}")).ToArray(),
            _ => null,
        })).ToList();
        return graph;
    }

    internal static InferenceSession Session(Graph graph)
    {
        var model = new OnnxModel(graph) { IrVersion = 10 };
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return new InferenceSession(model.ToBytes(), options);
    }

    private static IDisposableReadOnlyCollection<OrtValue> RunSession(InferenceSession session, CheckInput[] inputs, double[][] values,
        ElementType type, string[] outputNames)
    {
        var ortValues = inputs.Select((input, k) => type == ElementType.Double
            ? OrtValue.CreateTensorValueFromMemory(values[k].ToArray(), input.Dims)
            : OrtValue.CreateTensorValueFromMemory(values[k].Select(v => (float)v).ToArray(), input.Dims)).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            return session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), ortValues, outputNames);
        }
        finally
        {
            foreach (var v in ortValues) v.Dispose();
        }
    }

    private static double Loss(InferenceSession session, CheckInput[] inputs, double[][] values, ElementType type, string lossName)
    {
        using var outputs = RunSession(session, inputs, values, type, [lossName]);
        return Read(outputs[0], type == ElementType.Double)[0];
    }

    internal static double[] Read(OrtValue value, bool isDouble) =>
        isDouble ? value.GetTensorDataAsSpan<double>().ToArray() : value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray();
}
