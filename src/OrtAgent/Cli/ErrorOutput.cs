namespace OrtAgent.Cli;

/// <summary>
/// The CLI's stderr (the real one, or a test's writer), for services that report beside the results on stdout:
/// progress lines when the output is not a terminal.
/// </summary>
internal sealed record ErrorOutput(TextWriter Writer);
