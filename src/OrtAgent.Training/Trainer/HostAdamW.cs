using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The optimizer graph's step (<see cref="AdamWOptimizerGraph"/>: global-norm clipping, then AdamW) as one fused,
/// vectorised pass over host memory that updates parameters and moments in place, with the graph's float32 operations
/// in the graph's order. Stock ONNX Runtime has no fused optimizer kernel (the training build's <c>AdamWOptimizer</c> is
/// training-only), so on the CPU the graph streams every parameter through memory once per elementwise op, about fifteen
/// times: 90 ms per minilm step on two cores against 20 ms here. The graph stays the artifact, and CUDA runs it.
/// </summary>
/// <remarks>Holds no tensors; the caller owns the values it updates. Not thread-safe.</remarks>
internal sealed class HostAdamW
{
    private const int ChunkElements = 1 << 16;

    private readonly float _beta1;
    private readonly float _oneMinusBeta1;
    private readonly float _beta2;
    private readonly float _oneMinusBeta2;
    private readonly float _epsilon;
    private readonly float _weightDecay;
    private readonly bool[] _decays;
    private readonly (int Tensor, int Start, int Length)[] _chunks;
    private readonly ParallelOptions _parallel;

    private HostAdamW(AdamWOptions options, IReadOnlyList<string> parameterNames, IReadOnlyList<long> elementCounts, int threads)
    {
        // Rounded from double as the graph's constants are: 1 - 0.999f is not (float)(1 - 0.999).
        _beta1 = (float)options.Beta1;
        _oneMinusBeta1 = (float)(1 - options.Beta1);
        _beta2 = (float)options.Beta2;
        _oneMinusBeta2 = (float)(1 - options.Beta2);
        _epsilon = (float)options.Epsilon;
        _weightDecay = (float)options.WeightDecay;
        var decays = WeightDecayExclusions.Decays(options.NoDecayPatterns);
        _decays = parameterNames.Select(name => options.WeightDecay > 0 && decays(name)).ToArray();
        var chunks = new List<(int, int, int)>();
        for (int t = 0; t < elementCounts.Count; t++)
            for (long start = 0; start < elementCounts[t]; start += ChunkElements)
                chunks.Add((t, (int)start, (int)Math.Min(ChunkElements, elementCounts[t] - start)));
        _chunks = chunks.ToArray();
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
    }

    /// <summary>
    /// The fused step for the parameters of <paramref name="properties"/>, or null when its optimizer is not AdamW.
    /// <paramref name="threads"/> ≤ 0 uses every core.
    /// </summary>
    public static HostAdamW? For(TrainingProperties properties, IReadOnlyList<long> elementCounts, int threads)
    {
        if (properties.Optimizer != AdamWOptions.Name) return null;
        var options = AdamWOptions.FromSettings(properties.OptimizerSettings, properties.NoDecay);
        return new HostAdamW(options, properties.TrainableParameters, elementCounts, threads);
    }

    /// <summary>Builds the step directly from options (tests).</summary>
    public static HostAdamW Create(AdamWOptions options, IReadOnlyList<string> parameterNames, IReadOnlyList<long> elementCounts, int threads) =>
        new(options, parameterNames, elementCounts, threads);

    /// <summary>
    /// Clips the gradients' global norm to <paramref name="maxGradNorm"/> (≤ 0: no clipping) and applies AdamW step
    /// <paramref name="step"/> (1-based) in place. The gradients are only read. Returns the norm before clipping; when it
    /// is not finite (a gradient is NaN or infinite), nothing is written, since that step would make every weight NaN.
    /// </summary>
    public float Step(OrtValue[] parameters, OrtValue[] gradients, OrtValue[] firstMoments, OrtValue[] secondMoments,
        float learningRate, long step, float maxGradNorm)
    {
        // Per-chunk partial sums added in chunk order, so the norm does not depend on thread timing.
        var partial = new double[_chunks.Length];
        Parallel.For(0, _chunks.Length, _parallel, c =>
        {
            var (t, start, length) = _chunks[c];
            var g = gradients[t].GetTensorDataAsSpan<float>().Slice(start, length);
            partial[c] = SumOfSquares(g);
        });
        float norm = MathF.Sqrt((float)partial.Sum());
        if (!float.IsFinite(norm)) return norm;
        float clip = maxGradNorm > 0 ? MathF.Min(1f, maxGradNorm / (norm + 1e-6f)) : 1f;

        float t1 = step;
        float stepSize = learningRate / (1f - MathF.Pow(_beta1, t1));
        float biasCorrection2Sqrt = MathF.Sqrt(1f - MathF.Pow(_beta2, t1));
        float decayFactor = 1f - learningRate * _weightDecay;
        var scalars = new Scalars(clip, _oneMinusBeta1, _beta2, _oneMinusBeta2, biasCorrection2Sqrt, _epsilon, stepSize);

        Parallel.For(0, _chunks.Length, _parallel, c =>
        {
            var (t, start, length) = _chunks[c];
            Update(parameters[t].GetTensorMutableDataAsSpan<float>().Slice(start, length),
                gradients[t].GetTensorDataAsSpan<float>().Slice(start, length),
                firstMoments[t].GetTensorMutableDataAsSpan<float>().Slice(start, length),
                secondMoments[t].GetTensorMutableDataAsSpan<float>().Slice(start, length),
                _decays[t] ? decayFactor : 1f, scalars);
        });
        return norm;
    }

    private readonly record struct Scalars(float Clip, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float BiasCorrection2Sqrt, float Epsilon, float StepSize);

    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            sum += v * v;
        }
        double total = Vector.Sum(sum);
        for (; i < x.Length; i++) total += x[i] * x[i];
        return total;
    }

    // The same float operations, in the same order, as AdamWOptimizerGraph builds them.
    private static void Update(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, float decayFactor, Scalars s)
    {
        int i = 0;
        int width = Vector<float>.Count;
        var clip = new Vector<float>(s.Clip);
        var oneMinusBeta1 = new Vector<float>(s.OneMinusBeta1);
        var beta2 = new Vector<float>(s.Beta2);
        var oneMinusBeta2 = new Vector<float>(s.OneMinusBeta2);
        var biasCorrection2Sqrt = new Vector<float>(s.BiasCorrection2Sqrt);
        var epsilon = new Vector<float>(s.Epsilon);
        var stepSize = new Vector<float>(s.StepSize);
        var decay = new Vector<float>(decayFactor);
        bool decays = decayFactor != 1f;
        for (; i <= p.Length - width; i += width)
        {
            var g = new Vector<float>(grad[i..]) * clip;
            var mi = new Vector<float>(m[i..]);
            var newM = mi + (g - mi) * oneMinusBeta1;
            var newV = new Vector<float>(v[i..]) * beta2 + g * g * oneMinusBeta2;
            var denominator = Vector.SquareRoot(newV) / biasCorrection2Sqrt + epsilon;
            var pi = new Vector<float>(p[i..]);
            var decayed = decays ? pi * decay : pi;
            (decayed - stepSize * (newM / denominator)).CopyTo(p[i..]);
            newM.CopyTo(m[i..]);
            newV.CopyTo(v[i..]);
        }
        for (; i < p.Length; i++)
        {
            float g = grad[i] * s.Clip;
            float newM = m[i] + (g - m[i]) * s.OneMinusBeta1;
            float newV = v[i] * s.Beta2 + g * g * s.OneMinusBeta2;
            float denominator = MathF.Sqrt(newV) / s.BiasCorrection2Sqrt + s.Epsilon;
            float decayed = decays ? p[i] * decayFactor : p[i];
            p[i] = decayed - s.StepSize * (newM / denominator);
            m[i] = newM;
            v[i] = newV;
        }
    }
}
