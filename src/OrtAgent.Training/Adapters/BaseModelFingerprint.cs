using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// The SHA-256 of a base encoder as ONNX Runtime loads it (<see cref="ModelDigest.OfModel(string)"/>): its file, and the
/// external data files holding its weights when it was saved with external data (an imported base often is). Adapters
/// only mean something on top of the exact weights they were trained against, so a LoRA checkpoint records the
/// fingerprint and refuses a base that does not match it; a data file replaced beside an unchanged <c>model.onnx</c>
/// (which then holds names, shapes and offsets only) is another base. Of a base without external data it is the SHA-256
/// of its file, as adapters recorded before external data was digested.
/// </summary>
public static class BaseModelFingerprint
{
    /// <summary>Lower-case hex SHA-256 of the model at <paramref name="encoderPath"/> and its external data files.</summary>
    /// <exception cref="UserInputException">An external data file the model names is missing.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file cannot be read.</exception>
    public static string Of(string encoderPath) => ModelDigest.OfModel(encoderPath);

    /// <exception cref="UserInputException">The model's SHA-256 (<see cref="Of"/>) is not <paramref name="expected"/>.</exception>
    public static void Verify(string encoderPath, string expected, string what)
    {
        var actual = Of(encoderPath);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new UserInputException($"{what}: the base model '{encoderPath}' has SHA-256 {ModelDigest.Short(actual)}…, but the LoRA adapters were trained on "
                + $"{ModelDigest.Short(expected)}…; adapters only fit the exact base they were trained on");
    }
}
