using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Runtime.Tests.Explanations;

/// <summary>
/// <see cref="IntegratedGradientsSession"/> on a stand-in <c>explain.onnx</c> written by the test: the contract's inputs
/// and outputs, with logits the sum of a word table's rows (row i is (i, 10·i)) and gradient·delta the token ids.
/// </summary>
public sealed class IntegratedGradientsSessionTests : IDisposable
{
    private readonly TempDirectory _directory = new("explain-session");

    public IntegratedGradientsSessionTests() => WriteExplainGraph(_directory.Path);

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A client gone mid-explanation left up to a whole run of path points computing (seconds on a real model). Run
    /// checks no token itself, so only ONNX Runtime's terminate flag, raised by the cancellation, can stop it here.
    /// </summary>
    [Fact]
    public void ACancelledRunStopsAsCancelledAndTheSessionRunsOnAfterwards()
    {
        using var session = IntegratedGradientsSession.Open(_directory.Path, new OrtSessionSettings { IntraOpThreads = 1 }, labels: 2, weights: null, maxLength: 8, paddingTokenId: 0);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var stopped = Assert.ThrowsAny<OperationCanceledException>(() => session.Run([1, 2, 3], [1, 0, 3], [0.5, 1.0], 0, cancelled.Token));
        Assert.IsType<OnnxRuntimeException>(stopped.InnerException);
        Assert.Equal(cancelled.Token, stopped.CancellationToken);

        var (logits, gradientTimesDelta) = session.Run([1, 2, 3], [1, 0, 3], [0.5, 1.0], 0, CancellationToken.None);
        Assert.Equal([6f, 60f, 6f, 60f], logits);
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f], gradientTimesDelta);
    }

    private static void WriteExplainGraph(string directory)
    {
        var g = new Graph("explain_stand_in", opsetVersion: 17);
        Dim[] tokens = [Dim.Symbolic("batch"), Dim.Symbolic("sequence")];
        Dim[] rows = [Dim.Symbolic("batch")];
        var inputIds = g.AddInput(ExplainGraphNames.InputIds, ElementType.Int64, tokens);
        g.AddInput(ExplainGraphNames.AttentionMask, ElementType.Int64, tokens);
        g.AddInput(ExplainGraphNames.BaselineIds, ElementType.Int64, tokens);
        g.AddInput(ExplainGraphNames.Alpha, ElementType.Float, rows);
        g.AddInput(ExplainGraphNames.Target, ElementType.Int64, rows);
        var table = g.AddInitializer("words", TensorData.Create<float>([4, 2], [0, 0, 1, 10, 2, 20, 3, 30]));
        var logits = g.ReduceSum(g.Gather(table, inputIds), [1], keepDims: false);
        var gradientTimesDelta = g.Cast(inputIds, ElementType.Float);
        Name(logits, ExplainGraphNames.Logits, [Dim.Symbolic("batch"), Dim.Known(2)]);
        Name(gradientTimesDelta, ExplainGraphNames.GradientTimesDelta, tokens);
        g.AddOutput(logits);
        g.AddOutput(gradientTimesDelta);
        new OnnxModel(g).Save(Path.Combine(directory, ModelContract.ExplainModelFile));
    }

    private static void Name(Value value, string name, Dim[] shape)
    {
        value.Name = name;
        value.Type = ElementType.Float;
        value.Shape = shape;
    }
}
