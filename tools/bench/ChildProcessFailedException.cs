namespace OrtAgent.Bench;

/// <summary>
/// A measurement child (this bench with <c>--single</c>, the PyTorch script, or an <c>ortagent</c> run) exited with
/// an error, wrote no result, or ran past <see cref="BenchOptions.ChildTimeout"/>; the message names the command and
/// ends with the tail of its output.
/// </summary>
public sealed class ChildProcessFailedException(string message) : Exception(message);
