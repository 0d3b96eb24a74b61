using System.Security.Cryptography;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Bench;

/// <summary>
/// The settings a model the bench trained was made with, in <c>MODEL.settings</c> beside its folder (not inside it: the
/// CLI owns its output folder), so that a later run reuses the model only when it would train it with the very same
/// settings. A model without a stamp (or with another one) is trained again.
/// </summary>
public static class TrainedModelStamp
{
    /// <summary>Whether <paramref name="modelDirectory"/> holds an export stamped with exactly <paramref name="settings"/>.</summary>
    public static bool Matches(string modelDirectory, string settings) =>
        File.Exists(Path.Combine(modelDirectory, ModelContract.ModelFile)) && File.Exists(StampPath(modelDirectory))
        && File.ReadAllText(StampPath(modelDirectory)) == settings;

    /// <summary>
    /// Removes the model, its stamp and its training artifacts (<paramref name="artifactsRoot"/>/folder name, where the
    /// CLI keeps them), so that the CLI trains afresh instead of finding another run's files.
    /// </summary>
    public static void Discard(string modelDirectory, string artifactsRoot)
    {
        foreach (var directory in new[] { modelDirectory, Path.Combine(artifactsRoot, Path.GetFileName(modelDirectory)) })
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        File.Delete(StampPath(modelDirectory));
    }

    /// <summary>Records <paramref name="settings"/> for the model just trained in <paramref name="modelDirectory"/>.</summary>
    public static void Write(string modelDirectory, string settings) => AtomicFile.WriteAllText(StampPath(modelDirectory), settings);

    /// <summary>SHA-256 of a file, in hex: the content a model was trained on or from, whatever its path.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string StampPath(string modelDirectory) => Path.TrimEndingDirectorySeparator(modelDirectory) + ".settings";
}
