namespace OrtAgent.Bench;

/// <summary>One line of the results table: a measurement of OrtAgent and the same measurement of the PyTorch reference.</summary>
/// <remarks><c>HigherIsBetter</c>: true for throughputs and efficiencies, false for times and memory.</remarks>
public sealed record BenchRow(string Section, string Measurement, string Unit, double OrtAgent, double PyTorch, bool HigherIsBetter, string? Note = null)
{
    /// <summary>OrtAgent / PyTorch, NaN when the reference is missing.</summary>
    public double Ratio => PyTorch is > 0 && !double.IsNaN(OrtAgent) ? OrtAgent / PyTorch : double.NaN;
}
