namespace OrtAgent.FineTuningBench;

/// <summary>One side of the comparison failed (train exited with an error, the job failed, either ran past the timeout, or the server exited): no figure can be given.</summary>
internal sealed class ComparisonFailedException(string message) : Exception(message);
