using System.CommandLine;
using OrtAgent.Runtime;

namespace OrtAgent.Commands;

/// <summary>
/// The API keys of <c>serve</c> and <c>serve --fine-tuning</c>, of two kinds: full keys (<c>--api-key</c>,
/// <c>--api-key-file</c>, <c>ORTAGENT_API_KEYS</c>) reach every route; inference keys (<c>--inference-api-key</c>,
/// <c>--inference-api-key-file</c>, <c>ORTAGENT_INFERENCE_API_KEYS</c>) only classify, explain and read the models. Each
/// kind's sources add up. The files and the variables keep keys out of process listings; a key is never printed.
/// </summary>
internal sealed class ApiKeyCommandOptions
{
    public const string FullKeysVariable = "ORTAGENT_API_KEYS", InferenceKeysVariable = "ORTAGENT_INFERENCE_API_KEYS";

    private readonly Option<string[]> _fullKeys = new("--api-key")
    {
        Description = $"Require 'Authorization: Bearer <key>'; this key may call every route (repeatable; {FullKeysVariable}, comma-separated, adds keys).",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string[]> _inferenceKeys = new("--inference-api-key")
    {
        Description = "A key that may only classify, explain and read the models, not manage files, jobs or models nor reload "
            + $"(repeatable; {InferenceKeysVariable}, comma-separated, adds keys).",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string[]> _fullKeyFiles = new("--api-key-file")
    {
        Description = "Read --api-key keys from this file, one a line ('#' comments and blank lines skipped), so they are not in process listings (repeatable); "
            + "read once at start: a change takes effect at the next start (not at POST /admin/reload).",
    };

    private readonly Option<string[]> _inferenceKeyFiles = new("--inference-api-key-file")
    {
        Description = "Read --inference-api-key keys from this file, one a line ('#' comments and blank lines skipped), so they are not in process listings (repeatable); "
            + "read once at start: a change takes effect at the next start (not at POST /admin/reload).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _fullKeys, _fullKeyFiles, _inferenceKeys, _inferenceKeyFiles })
            command.Options.Add(option);
    }

    /// <summary>The full keys, then the inference keys, each from the flag, its files and its variable in that order.</summary>
    /// <exception cref="UserInputException">
    /// A file cannot be read or holds no key, a variable is set but holds none, or a key is given as both kinds.
    /// </exception>
    public (string[] Full, string[] Inference) Read(ParseResult parseResult)
    {
        var full = Given(parseResult, _fullKeys, _fullKeyFiles, FullKeysVariable);
        var inference = Given(parseResult, _inferenceKeys, _inferenceKeyFiles, InferenceKeysVariable);
        RefuseBothKinds(full, inference);
        return ([.. full.Select(k => k.Key)], [.. inference.Select(k => k.Key)]);
    }

    /// <summary>A key and where it was given, as a message names it (<c>the 2nd --api-key</c>, <c>--api-key-file 'keys.txt' line 3</c>).</summary>
    private sealed record GivenKey(string Key, string Source);

    private static List<GivenKey> Given(ParseResult parseResult, Option<string[]> flag, Option<string[]> files, string variable)
    {
        var flagged = parseResult.GetValue(flag) ?? [];
        return [.. flagged.Select((key, i) => new GivenKey(key, $"the {Nth(i, flagged.Length)}{flag.Name}")),
            .. (parseResult.GetValue(files) ?? []).SelectMany(path => FromFile(path, files.Name)), .. FromVariable(variable)];
    }

    /// <summary>
    /// A key given as both kinds would be a full key, though its holder (and whoever gave it out) took it for an
    /// inference key. Refused naming where each was given, never the key: the library's own check counts keys across
    /// all sources ("key 3 of 4"), which the user cannot map back to a flag, file or variable.
    /// </summary>
    private static void RefuseBothKinds(List<GivenKey> full, List<GivenKey> inference)
    {
        var fullSources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in full) fullSources.TryAdd(key.Key, key.Source);
        foreach (var key in inference)
            if (fullSources.TryGetValue(key.Key, out var source))
                throw new UserInputException($"{key.Source} is also given as a full key ({source}); give each key once, as a full key or as an inference key");
    }

    /// <summary>"2nd " for the second of several, nothing for the one and only.</summary>
    private static string Nth(int index, int count)
    {
        if (count == 1) return "";
        int n = index + 1;
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return $"{n}{suffix} ";
    }

    /// <summary>A warning for each key file that its group or other users may read or write (<see cref="SecretFileAccess"/>).</summary>
    public IEnumerable<string> OpenToOthersWarnings(ParseResult parseResult) =>
        new[] { _fullKeyFiles, _inferenceKeyFiles }
            .SelectMany(option => (parseResult.GetValue(option) ?? []).Select(path => SecretFileAccess.OpenToOthersWarning(option.Name, path, "its keys", "add keys of their own (read at the next start)")))
            .OfType<string>();

    private static bool ParentExists(string path)
    {
        try
        {
            return Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    /// <summary>
    /// The keys in <paramref name="path"/>, one a line, trimmed, skipping blank lines and lines that begin with <c>#</c>.
    /// A file that holds none is refused, as an empty variable is: it was meant to protect the server. The path is named
    /// whole (quoting would cut a long one short), and no line of the file is ever shown.
    /// </summary>
    private static List<GivenKey> FromFile(string path, string flag)
    {
        // A FIFO would be opened and waited on for a writer forever, the server never starting.
        if (RegularFile.OtherKind(path) is { } other)
            throw new UserInputException($"{flag} '{path}': {other}; give the file that holds the keys");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // A value with no path separator that is no file, or one naming a folder that does not exist (a base64 key
            // holds '/' about half the time), may be a key given to the wrong option: not shown.
            if (ex is FileNotFoundException or DirectoryNotFoundException
                && (!path.Contains('/') && !path.Contains(Path.DirectorySeparatorChar) || !ParentExists(path)))
                throw new UserInputException($"{flag}: the value ({path.Length} characters, not shown) is no file; {flag} takes a path, {flag[..^"-file".Length]} a key");
            string problem = ex is FileNotFoundException or DirectoryNotFoundException ? "no such file"
                : Directory.Exists(path) ? "is a directory; give the file that holds the keys"
                : $"cannot be read: {ex.Message}";
            throw new UserInputException($"{flag} '{path}': {problem}");
        }
        var keys = new List<GivenKey>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            // A key has no whitespace; a line with some is a comment after a key ("k2 # prod") or two keys, which taken
            // whole would be a key no client sends. Named by its number, never shown.
            if (line.Any(char.IsWhiteSpace))
                throw new UserInputException($"{flag} '{path}': line {i + 1} holds whitespace inside its key (not shown); give one key a line, with '#' comments on lines of their own");
            keys.Add(new GivenKey(line, $"{flag} '{path}' line {i + 1}"));
        }
        if (keys.Count == 0)
            throw new UserInputException($"{flag} '{path}': holds no key (only blank lines and '#' comments); give one key a line");
        return keys;
    }

    /// <summary>
    /// The keys in <paramref name="variable"/>, comma-separated. A variable that is set but holds no key (blank, or
    /// only commas) is refused: it was meant to protect the server, and taken as "no keys" it served everyone.
    /// </summary>
    private static List<GivenKey> FromVariable(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { } value) return [];
        var keys = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length == 0)
            throw new UserInputException($"{variable} is set but holds no key ('{value}'); give keys separated by commas, or unset it to serve without keys");
        return [.. keys.Select((key, i) => new GivenKey(key, keys.Length == 1 ? variable : $"the {Nth(i, keys.Length)}key of {variable}"))];
    }
}
