namespace OrtAgent.Bench;

/// <summary>How every benchmark writes its result files.</summary>
internal static class ResultFile
{
    /// <summary>
    /// Writes <paramref name="contents"/> to <paramref name="path"/>, creating its folder. The text is written beside
    /// and moved into place, so a benchmark killed mid-write (they rewrite their JSON after every run) keeps its
    /// last complete file.
    /// </summary>
    public static void Write(string path, string contents)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var partial = fullPath + ".partial";
        File.WriteAllText(partial, contents);
        File.Move(partial, fullPath, overwrite: true);
    }
}
