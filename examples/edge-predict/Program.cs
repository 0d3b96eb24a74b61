using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OrtAgent;
using OrtAgent.Runtime;

// edge-predict MODEL_DIR "text" ...: one "label<TAB>score" line per text, as `ortagent predict` prints them.
// ONNX Runtime's telemetry stays off with no code here: OrtAgent.Runtime opts out before its first session.
const string Usage = """
    usage: edge-predict MODEL_DIR "text" ["text" ...]
    Prints one line per text: its label, a tab, and that label's probability to 4 decimals.
    A text that begins with '-' goes after "--". Exit code 0: done; 2: a mistake in the arguments or the model directory.
    """;

// --help anywhere before "--" (after it, it is a text): "edge-predict MODEL --help" called it an unknown option.
if (args.TakeWhile(arg => arg != "--").Any(arg => arg is "-h" or "--help"))
{
    Console.WriteLine(Usage);
    return 0;
}

var (modelDirectory, texts, mistake) = Arguments.Read(args);
if (mistake is not null)
{
    Console.Error.WriteLine($"error: {mistake}");
    Console.Error.WriteLine(Usage);
    return 2;
}

// Every failure arrives as an exception and is worded below; ONNX Runtime would print it again in its own format.
OnnxRuntimeEnvironment.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
try
{
    using var classifier = TextClassifier.Load(modelDirectory!);
    // Refused here rather than by PredictBatch, whose message names the text as texts[i]: on this command line it is
    // "text i of n", as the empty and blank texts above and `ortagent predict` count them.
    for (int i = 0; i < texts.Length; i++)
    {
        if (NothingToClassify.Describe(texts[i], classifier.Encoder) is { } held)
        {
            Console.Error.WriteLine($"error: text {i + 1} of {texts.Length} has nothing to classify: {held}");
            return 2;
        }
    }
    foreach (var prediction in classifier.PredictBatch(texts))
        Console.WriteLine($"{prediction.Label}\t{prediction.Score.ToString("F4", CultureInfo.InvariantCulture)}");
    return 0;
}
catch (UserInputException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"internal error: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
    return 1;
}

/// <summary>The command line: a model directory, then texts; an option-like argument is a mistake unless after "--".</summary>
internal static class Arguments
{
    public static (string? ModelDirectory, string[] Texts, string? Mistake) Read(string[] args)
    {
        var positional = new List<string>();
        bool optionsEnded = false;
        foreach (var arg in args)
        {
            if (!optionsEnded && arg == "--") optionsEnded = true;
            else if (!optionsEnded && arg.Length > 1 && arg[0] == '-')
                return (null, [], $"unknown option '{arg}' (the only option is --help); a text that begins with '-' goes after \"--\"");
            else positional.Add(arg);
        }
        if (positional.Count < 2) return (null, [], positional.Count == 0 ? "no model directory and no text given" : "no text given after the model directory");
        var texts = positional.Skip(1).ToArray();
        for (int i = 0; i < texts.Length; i++)
            if (string.IsNullOrWhiteSpace(texts[i]))
                return (null, [], $"text {i + 1} of {texts.Length} is {(texts[i].Length == 0 ? "empty" : "only whitespace")}; there is nothing to classify");
        return (positional[0], texts, null);
    }
}
