namespace OrtAgent.Bench;

/// <summary>
/// The directory holding <c>OrtAgent.sln</c>: where a tool finds the repository's data, scripts and CLI build, and
/// whose commit its figures record (<see cref="SourceRevision"/>). Shared with load-test and fine-tuning-bench.
/// </summary>
public static class RepositoryRoot
{
    /// <summary>Searched upward from the working directory, then from the tool's binary.</summary>
    /// <exception cref="UserInputException">Neither is inside the repository.</exception>
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OrtAgent.sln"))) return dir.FullName;
        throw new UserInputException("run this inside the OrtAgent repository (no OrtAgent.sln found above the working directory or the tool)");
    }
}
