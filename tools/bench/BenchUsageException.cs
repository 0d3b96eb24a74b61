namespace OrtAgent.Bench;

/// <summary>
/// A command line the bench cannot run (an unknown flag, a bad value, flags that contradict each other): a
/// <see cref="UserInputException"/> that <see cref="BenchErrorHandler"/> prints with a pointer to <c>--help</c>.
/// </summary>
public sealed class BenchUsageException(string message) : UserInputException(message);
