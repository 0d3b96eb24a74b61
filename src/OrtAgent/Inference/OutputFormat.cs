namespace OrtAgent.Inference;

/// <summary>The format of a file <c>predict --output</c> or <c>eval --errors</c> writes, chosen by its extension.</summary>
internal enum OutputFormat
{
    /// <summary><c>.csv</c>: comma-separated, quoted as RFC 4180 asks.</summary>
    Csv,

    /// <summary>
    /// <c>.tsv</c>: tab-separated, unquoted, as the TSV reader takes it (quotes are text), so a field cannot hold a tab
    /// or a line break.
    /// </summary>
    Tsv,

    /// <summary><c>.jsonl</c> or <c>.ndjson</c>: one JSON object per line.</summary>
    JsonLines,
}
