using System.Text;

namespace OrtAgent.Bench;

/// <summary>
/// A small RFC 4180 CSV table (quoted fields may hold commas, quotes and line breaks, as the SpamAssassin mails do),
/// read whole: the learning curve samples rows of files of a few thousand rows.
/// </summary>
public sealed class CsvTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
{
    public IReadOnlyList<string> Header { get; } = header;

    public IReadOnlyList<string[]> Rows { get; } = rows;

    /// <summary>The index of column <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">There is no such column.</exception>
    public int Column(string name)
    {
        int index = Header.ToList().IndexOf(name);
        return index >= 0 ? index : throw new InvalidDataException($"no '{name}' column (columns: {string.Join(", ", Header)})");
    }

    public static CsvTable Read(string path)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var text = File.ReadAllText(path);
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else field.Append(c);
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }
        if (records.Count == 0) throw new InvalidDataException($"{path} is empty");
        return new CsvTable(records[0], records.Skip(1).Where(r => r.Length == records[0].Length).ToList());
    }

    /// <summary>Writes the header and <paramref name="selected"/> rows, quoting every field.</summary>
    public void Write(string path, IEnumerable<string[]> selected)
    {
        var builder = new StringBuilder();
        foreach (var record in selected.Prepend([.. Header]))
            builder.AppendJoin(',', record.Select(f => "\"" + f.Replace("\"", "\"\"") + "\"")).Append('\n');
        File.WriteAllText(path, builder.ToString());
    }
}
