using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>MatMul (batched, with broadcast batch dims) and Gemm (alpha, beta, transA, transB).</summary>
internal static class MatMulGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("MatMul", MatMul);
        r.Register("Gemm", Gemm);
    }

    private static Value?[] MatMul(GradientContext c)
    {
        var g = c.Graph;
        var (a, b, dy) = (c.I(0), c.I(1), c.GO(0));
        int? ra = c.RankOf(a), rb = c.RankOf(b);
        if (ra == 1 || rb == 1) throw c.Unsupported("a 1-D MatMul operand");
        Value? da = null, db = null;
        if (c.IsGradientRequired(0))
        {
            // dA = dY @ B^T, summed over the batch dims A was broadcast along.
            da = rb is int r ? g.MatMul(dy, g.Transpose(b, SwapLast(r))) : g.Op("Einsum", [dy, b], Graph.Attrs(("equation", "...ij,...kj->...ik")));
            if (rb != 2) da = c.SumToShape(da, a, matrixAxes: 2);
        }
        if (c.IsGradientRequired(1))
        {
            if (rb == 2 && ra != 2)
            {
                // A 2-D weight against batched input (the linear layer): fold the batch into rows, one Gemm
                // computes A^T dY and sums over the batch at once.
                var rowsA = g.Reshape(a, g.Concat(0, c.Ints(-1), LastDim(c, a, b, 0)));
                var rowsDy = g.Reshape(dy, g.Concat(0, c.Ints(-1), LastDim(c, dy, b, 1)));
                db = g.Gemm(rowsA, rowsDy, transA: true);
            }
            else
            {
                db = ra is int r ? g.MatMul(g.Transpose(a, SwapLast(r)), dy) : g.Op("Einsum", [a, dy], Graph.Attrs(("equation", "...ji,...jk->...ik")));
                if (ra != 2) db = c.SumToShape(db, b, matrixAxes: 2);
            }
        }
        return [da, db];
    }

    // The size of the last dim of x: a constant from the 2-D weight's static shape when known, else read at run time.
    private static Value LastDim(GradientContext c, Value x, Value weight, int weightAxis)
    {
        if (BackwardState.StaticShape(weight) is { } dims) return c.Ints(dims[weightAxis]);
        return c.Graph.OpsetVersion >= 15 ? c.Graph.Shape(x, -1) : c.Graph.Slice(c.Graph.Shape(x), c.Ints(-1), c.Ints(long.MaxValue));
    }

    private static long[] SwapLast(int rank)
    {
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 1], perm[rank - 2]) = (perm[rank - 2], perm[rank - 1]);
        return perm;
    }

    private static Value?[] Gemm(GradientContext c)
    {
        // Y = alpha * A' B' + beta * C, A' = transA ? A^T : A, B' likewise.
        var g = c.Graph;
        var (a, b, dy) = (c.I(0), c.I(1), c.GO(0));
        float alpha = c.Node.FloatAttribute("alpha", 1f), beta = c.Node.FloatAttribute("beta", 1f);
        bool transA = c.Node.IntAttribute("transA", 0) != 0, transB = c.Node.IntAttribute("transB", 0) != 0;
        Value? da = null, db = null, dc = null;
        if (c.IsGradientRequired(0))
            da = transA ? g.Gemm(b, dy, alpha: alpha, beta: 0, transA: transB, transB: true)   // dA = alpha B' dY^T
                        : g.Gemm(dy, b, alpha: alpha, beta: 0, transB: !transB);              // dA = alpha dY B'^T
        if (c.IsGradientRequired(1))
            db = transB ? g.Gemm(dy, a, alpha: alpha, beta: 0, transA: true, transB: transA)  // dB = alpha dY^T A'
                        : g.Gemm(a, dy, alpha: alpha, beta: 0, transA: !transA);              // dB = alpha A'^T dY
        if (c.IsGradientRequired(2))
        {
            var scaled = beta == 1f ? dy : g.Mul(dy, c.Scalar(beta));
            dc = c.SumToShape(scaled, c.I(2));
        }
        return [da, db, dc];
    }
}
