using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>The shared CPU arena the training sessions allocate from (<see cref="CpuMemoryMode.SharedArena"/>).</summary>
public sealed class SharedCpuArenaTests
{
    [Fact]
    public void SessionsOnTheSharedArenaTakeTurnsAndComputeCorrectly()
    {
        var g = new Graph("double", 17);
        var x = g.AddInput("x", ElementType.Float, [Dim.Symbolic("n")]);
        var y = g.Add(x, x);
        y.Name = "y";
        g.AddOutput(y);
        var model = new OnnxModel(g).ToBytes();
        var settings = new OrtSessionSettings { CpuMemory = CpuMemoryMode.SharedArena, IntraOpThreads = 1 };

        using var firstOptions = settings.CreateSessionOptions();
        using var secondOptions = settings.CreateSessionOptions();
        using var first = new InferenceSession(model, firstOptions);
        using var second = new InferenceSession(model, secondOptions);
        foreach (var n in new[] { 3, 300_000, 7, 1_000_000 })
        {
            var input = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
            foreach (var session in new[] { first, second })
            {
                using var value = OrtValue.CreateTensorValueFromMemory(input, [n]);
                using var outputs = session.Run(new RunOptions(), ["x"], [value], ["y"]);
                var result = outputs[0].GetTensorDataAsSpan<float>();
                Assert.Equal(n, result.Length);
                Assert.Equal(2f * (n - 1), result[n - 1]);
            }
        }
    }
}
