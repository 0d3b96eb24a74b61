using System.Text.RegularExpressions;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// One fenced code block of a Markdown file: its language (<c>csharp</c>, <c>bash</c>, or empty), the file's line
/// number of its first line, its lines without the fence's indentation, and the line just above the opening fence
/// (where an HTML comment can say how to read the block).
/// </summary>
internal sealed partial record MarkdownCodeBlock(string File, string Language, int FirstLine, IReadOnlyList<string> Lines, string LineAbove)
{
    /// <summary>
    /// The repository's README files, as paths relative to its root with '/' separators: the root's, each top folder's,
    /// and every one under the source folders (build output and dependencies left out). Below their own README,
    /// models/, artifacts/ and data/ hold what runs write and download (model cards are README.md files too).
    /// </summary>
    public static IEnumerable<string> ReadmeFiles(string root) =>
        Directory.EnumerateDirectories(root)
            .Where(folder => !Path.GetFileName(folder).StartsWith('.'))
            .SelectMany(folder => Directory.EnumerateFiles(folder, "README.md",
                SourceFolders.Contains(Path.GetFileName(folder)) ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
            .Prepend(Path.Combine(root, "README.md"))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(folder => folder is "bin" or "obj" or "node_modules"))
            .Order(StringComparer.Ordinal);

    private static readonly string[] SourceFolders = ["src", "tools", "examples", "tests", "docs"];

    /// <summary>Every fenced block of <paramref name="file"/> (relative to <paramref name="root"/>), in order.</summary>
    public static IEnumerable<MarkdownCodeBlock> Read(string root, string file) =>
        Parse(file, System.IO.File.ReadAllLines(Path.Combine(root, file)));

    /// <summary>Every fenced block of the Markdown text <paramref name="lines"/>, named <paramref name="file"/>, in order.</summary>
    public static IEnumerable<MarkdownCodeBlock> Parse(string file, string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
        {
            var opening = Fence().Match(lines[i]);
            if (!opening.Success) continue;
            int indent = opening.Groups["indent"].Length;
            int end = i + 1;
            while (end < lines.Length && !IsClosing(lines[end], opening.Groups["fence"].Length)) end++;
            var content = lines[(i + 1)..end].Select(line => line[Math.Min(indent, line.Length - line.TrimStart(' ').Length)..]).ToArray();
            yield return new MarkdownCodeBlock(file, opening.Groups["language"].Value, i + 2, content, i > 0 ? lines[i - 1].Trim() : "");
            i = end;
        }
    }

    /// <summary>A closing fence: at least as many backticks as the opening one, and nothing else.</summary>
    private static bool IsClosing(string line, int fenceLength)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fenceLength && trimmed.All(c => c == '`');
    }

    // The language is the info string's first word (```csharp title="x" is C#); a backtick fence's info string holds no backtick.
    [GeneratedRegex(@"^(?<indent> {0,3})(?<fence>`{3,})[ \t]*(?<language>[^\s`]*)[^`]*$")]
    private static partial Regex Fence();

    /// <summary>The line of the closing fence (past the end of the file when the block is never closed).</summary>
    public int ClosingLine => FirstLine + Lines.Count;

    public override string ToString() => $"{File}:{FirstLine}";
}
