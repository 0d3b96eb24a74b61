using System.Globalization;
using OrtAgent.Runtime;

// edge-predict MODEL_DIR "text" ...: one "label<TAB>score" line per text, as `ortagent predict` prints them.
// ONNX Runtime's telemetry stays off with no code here: OrtAgent.Runtime opts out before its first session.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: edge-predict MODEL_DIR \"text\" [\"text\" ...]");
    return 2;
}

try
{
    using var classifier = TextClassifier.Load(args[0]);
    var predictions = classifier.PredictBatch(args[1..]);
    foreach (var prediction in predictions)
        Console.WriteLine($"{prediction.Label}\t{prediction.Score.ToString("F4", CultureInfo.InvariantCulture)}");
    return 0;
}
catch (ModelLoadException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
