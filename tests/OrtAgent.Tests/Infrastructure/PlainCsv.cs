namespace OrtAgent.Tests.Infrastructure;

/// <summary>
/// A minimal RFC 4180 reader (LF line ends), so tests of files OrtAgent writes do not trust OrtAgent's own reader to
/// read them.
/// </summary>
internal static class PlainCsv
{
    /// <summary>Every row of the file, header included, as its fields.</summary>
    public static List<string[]> Read(string path)
    {
        var text = File.ReadAllText(path);
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); }
            else field.Append(c);
        }
        return rows;
    }
}
