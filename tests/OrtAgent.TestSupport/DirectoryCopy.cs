namespace OrtAgent.TestSupport;

/// <summary>Copies a directory for a test to keep or to put back: what a run left, a checkpoint, a base model.</summary>
public static class DirectoryCopy
{
    /// <summary>Copies every file and folder below <paramref name="from"/> into <paramref name="to"/>, created if missing.</summary>
    public static void Recursive(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.GetDirectories(from)) Recursive(directory, Path.Combine(to, Path.GetFileName(directory)));
    }
}
