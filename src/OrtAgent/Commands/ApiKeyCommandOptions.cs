using System.CommandLine;
using OrtAgent.Runtime;

namespace OrtAgent.Commands;

/// <summary>
/// The API keys of <c>serve</c> and <c>serve --fine-tuning</c>, of two kinds: full keys (<c>--api-key</c>,
/// <c>ORTAGENT_API_KEYS</c>) reach every route; inference keys (<c>--inference-api-key</c>,
/// <c>ORTAGENT_INFERENCE_API_KEYS</c>) only classify, explain and read the models. Each kind's sources add up. The
/// variables keep keys out of process listings; a key is never printed.
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

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _fullKeys, _inferenceKeys })
            command.Options.Add(option);
    }

    /// <summary>The full keys, then the inference keys, each from the flag and its variable in that order.</summary>
    /// <exception cref="UserInputException">A variable is set but holds no key.</exception>
    public (string[] Full, string[] Inference) Read(ParseResult parseResult) => (
        [.. parseResult.GetValue(_fullKeys) ?? [], .. FromVariable(FullKeysVariable)],
        [.. parseResult.GetValue(_inferenceKeys) ?? [], .. FromVariable(InferenceKeysVariable)]);

    /// <summary>
    /// The keys in <paramref name="variable"/>, comma-separated. A variable that is set but holds no key (blank, or
    /// only commas) is refused: it was meant to protect the server, and taken as "no keys" it served everyone.
    /// </summary>
    private static string[] FromVariable(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { } value) return [];
        var keys = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length == 0)
            throw new UserInputException($"{variable} is set but holds no key ('{value}'); give keys separated by commas, or unset it to serve without keys");
        return keys;
    }
}
