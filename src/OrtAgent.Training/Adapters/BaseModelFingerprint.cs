using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// The SHA-256 of a base encoder file. Adapters only mean something on top of the exact weights they were trained
/// against, so a LoRA checkpoint records the fingerprint and refuses a base that does not match it.
/// </summary>
public static class BaseModelFingerprint
{
    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="encoderPath"/>.</summary>
    public static string Of(string encoderPath) => ModelDigest.OfFile(encoderPath);

    /// <exception cref="UserInputException">The file's SHA-256 is not <paramref name="expected"/>.</exception>
    public static void Verify(string encoderPath, string expected, string what)
    {
        var actual = Of(encoderPath);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new UserInputException($"{what}: the base model '{encoderPath}' has SHA-256 {ModelDigest.Short(actual)}…, but the LoRA adapters were trained on "
                + $"{ModelDigest.Short(expected)}…; adapters only fit the exact base they were trained on");
    }
}
