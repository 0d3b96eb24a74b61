namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// Gauss–Legendre quadrature on [0, 1], the default integration rule of Captum's integrated gradients: n nodes
/// integrate polynomials up to degree 2n − 1 exactly, so a smooth path needs far fewer points than a Riemann sum.
/// </summary>
internal static class GaussLegendreRule
{
    /// <summary>The <paramref name="n"/> nodes (path coefficients, ascending) and weights (summing to 1).</summary>
    public static (double[] Alphas, double[] Weights) On01(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var alphas = new double[n];
        var weights = new double[n];
        for (int i = 0; i < (n + 1) / 2; i++)
        {
            // Newton's method on P_n from the Chebyshev-like first guess; the roots are symmetric about 0.
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, derivative) = Legendre(n, x);
                double step = p / derivative;
                x -= step;
                if (Math.Abs(step) < 1e-15) break;
            }
            (_, derivative) = Legendre(n, x);
            double w = 2 / ((1 - x * x) * derivative * derivative);
            // Map [-1, 1] to [0, 1]: alpha = (1 + x) / 2, weight halves.
            alphas[i] = (1 - x) / 2;
            alphas[n - 1 - i] = (1 + x) / 2;
            weights[i] = weights[n - 1 - i] = w / 2;
        }
        return (alphas, weights);
    }

    /// <summary>P_n(x) and P_n'(x) by the three-term recurrence.</summary>
    private static (double Value, double Derivative) Legendre(int n, double x)
    {
        double previous = 1, current = x;
        if (n == 0) return (1, 0);
        for (int k = 2; k <= n; k++)
        {
            double next = ((2 * k - 1) * x * current - (k - 1) * previous) / k;
            previous = current;
            current = next;
        }
        return (current, n * (x * current - previous) / (x * x - 1));
    }
}
