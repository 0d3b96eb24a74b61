namespace OrtAgent.Serving;

/// <summary>
/// The refusal of a <c>--model</c> directory whose folder name, the name it is served under
/// (<see cref="ServingEndpoints.ModelName"/>), is already another model's: one wording for every host that serves
/// several (<c>serve --fine-tuning</c>, <c>mcp</c>, <c>mcp --fine-tuning</c>), where plain <c>mcp</c> said the same
/// clash in older words of its own.
/// </summary>
internal static class ModelNameTaken
{
    /// <summary>The refusal of <paramref name="directory"/>, whose name is already <paramref name="owner"/>'s ("the name of --model DIR").</summary>
    public static UserInputException Refusal(string directory, string owner) =>
        new($"--model {directory}: it would be served as '{ServingEndpoints.ModelName(directory)}', its folder's name, which is already {owner}; rename the folder");

    /// <summary>
    /// Refuses the first of <paramref name="directories"/> whose name an earlier one has, compared by
    /// <paramref name="names"/>: the host's own rule for telling its models apart (plain <c>mcp</c> finds a model
    /// whatever its case, the fine-tuning service's ids are exact, as OpenAI's are).
    /// </summary>
    /// <exception cref="UserInputException">Two directories have one name.</exception>
    public static void RefuseSameNames(IEnumerable<string> directories, StringComparer names)
    {
        var first = new Dictionary<string, string>(names);
        foreach (var directory in directories)
        {
            if (!first.TryAdd(ServingEndpoints.ModelName(directory), directory))
                throw Refusal(directory, $"the name of --model {first[ServingEndpoints.ModelName(directory)]}");
        }
    }
}
