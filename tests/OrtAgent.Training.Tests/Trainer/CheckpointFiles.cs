namespace OrtAgent.Training.Tests.Trainer;

/// <summary>The files of a checkpoint directory, byte for byte, to show that a run left them as they were.</summary>
internal static class CheckpointFiles
{
    public static SortedDictionary<string, byte[]> Read(string directory) =>
        new(Directory.GetFiles(directory).ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes), StringComparer.Ordinal);
}
