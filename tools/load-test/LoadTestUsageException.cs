namespace OrtAgent.LoadTest;

/// <summary>A command line the load test cannot run: printed as one line pointing to <c>--help</c>, exit code 2.</summary>
internal sealed class LoadTestUsageException(string message) : UserInputException(message);
