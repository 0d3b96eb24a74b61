namespace OrtAgent.Progress;

/// <summary>
/// Shows how far a long operation with a known number of steps has come: a live bar on a terminal, periodic log lines
/// when the output is redirected. Services take it so that commands stay thin and tests can pass a silent one.
/// </summary>
public interface IProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, which reports the number of steps completed so far (not increments).</summary>
    /// <param name="description">What is being done, such as <c>predict reviews.csv</c>.</param>
    /// <param name="total">The number of steps when done.</param>
    /// <param name="work">The operation; its reports may come from any thread.</param>
    Task<T> RunAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work);
}
