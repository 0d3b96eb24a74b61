namespace OrtAgent.Cli;

/// <summary>The process exit codes every ortagent command uses.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>A bug or an environment failure: not something the user typed wrong.</summary>
    public const int InternalError = 1;

    /// <summary>A mistake the user can fix: a bad argument, a missing file, an unknown model name.</summary>
    public const int UserError = 2;

    /// <summary><c>train --promote-to</c>: trained and exported, but the new model did not beat the promoted one.</summary>
    public const int NotPromoted = 3;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
