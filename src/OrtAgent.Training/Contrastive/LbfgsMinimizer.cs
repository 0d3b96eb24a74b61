namespace OrtAgent.Training.Contrastive;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a backtracking
/// Armijo line search, for smooth convex objectives of a few thousand variables. Deterministic: no randomness.
/// </summary>
internal static class LbfgsMinimizer
{
    /// <summary>Computes the objective at x, writing its gradient into the second argument.</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>
    /// Minimises <paramref name="f"/> from <paramref name="x"/> (updated in place) until the gradient's largest
    /// element is below <paramref name="tolerance"/>, the objective stops moving, or <paramref name="maxIterations"/>
    /// pass. Returns the final objective value and the iterations taken.
    /// </summary>
    public static (double Value, int Iterations) Minimize(Objective f, double[] x, int maxIterations = 500, double tolerance = 1e-6, int memory = 10)
    {
        int n = x.Length;
        var g = new double[n];
        var direction = new double[n];
        var candidate = new double[n];
        var candidateGradient = new double[n];
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var alpha = new double[memory];
        double value = f(x, g);
        int iteration = 0;
        for (; iteration < maxIterations && MaxAbs(g) > tolerance; iteration++)
        {
            // Two-loop recursion: direction = -H·g with H the implicit inverse-Hessian estimate.
            g.CopyTo(direction, 0);
            for (int k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = rho[k] * Dot(s[k], direction);
                Axpy(-alpha[k], y[k], direction);
            }
            double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1.0 / Math.Max(1.0, Math.Sqrt(Dot(g, g)));
            for (int i = 0; i < n; i++) direction[i] *= gamma;
            for (int k = 0; k < s.Count; k++)
            {
                double beta = rho[k] * Dot(y[k], direction);
                Axpy(alpha[k] - beta, s[k], direction);
            }
            for (int i = 0; i < n; i++) direction[i] = -direction[i];
            double slope = Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction (curvature lost to rounding): restart from steepest descent.
                s.Clear(); y.Clear(); rho.Clear();
                for (int i = 0; i < n; i++) direction[i] = -g[i];
                slope = -Dot(g, g);
            }

            double step = 1, next = double.NaN;
            for (int trial = 0; trial < 40; trial++, step *= 0.5)
            {
                for (int i = 0; i < n; i++) candidate[i] = x[i] + step * direction[i];
                next = f(candidate, candidateGradient);
                if (double.IsFinite(next) && next <= value + 1e-4 * step * slope) break;
            }
            if (!(next <= value)) break; // no decrease at any step length: at the optimum to rounding

            var sk = new double[n];
            var yk = new double[n];
            for (int i = 0; i < n; i++)
            {
                sk[i] = candidate[i] - x[i];
                yk[i] = candidateGradient[i] - g[i];
            }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            double change = value - next;
            candidate.CopyTo(x, 0);
            candidateGradient.CopyTo(g, 0);
            value = next;
            if (change <= 1e-12 * Math.Max(1, Math.Abs(value))) { iteration++; break; }
        }
        return (value, iteration);
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double MaxAbs(double[] a)
    {
        double max = 0;
        foreach (var v in a) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }
}
