using OrtAgent.Data;

namespace OrtAgent.Inference;

/// <summary>
/// The input columns of a JSON Lines file's predictions: every property of its objects, in the order each first
/// appears (one object may lack a property another has), gathered row by row in the first pass. For a CSV or TSV
/// output they are its header, so they are bounded: a file whose property names are data (an id, a date as the name)
/// would otherwise give a column per row. A JSON Lines output has no header (each object keeps its own properties), so
/// only the names that decide the prediction's (<see cref="PredictionColumns.DecidesPredictionNames"/>)
/// are kept, without a bound: it refused a file past 1000 distinct properties that it writes as well as any other.
/// </summary>
/// <param name="path">The input file, to name in a refusal.</param>
/// <param name="asColumns">True when the names become the output's columns (a CSV or TSV output), false for a JSON Lines output.</param>
internal sealed class JsonLinesColumns(string path, bool asColumns)
{
    /// <summary>The most distinct properties a JSON Lines input may have across its objects when they become a CSV or TSV output's columns.</summary>
    internal const int MaxColumns = 1000;

    private readonly List<string> _names = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The properties seen so far, in the order each first appeared (for a JSON Lines output, those that bear on the prediction's names).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds the properties of <paramref name="row"/> not seen before.</summary>
    /// <exception cref="UserInputException">They bring the file past <see cref="MaxColumns"/> distinct properties.</exception>
    public void Add(InputRow row)
    {
        foreach (var field in row.Fields)
        {
            if (_seen.Contains(field.Name)) continue;
            if (!asColumns && !PredictionColumns.DecidesPredictionNames(field.Name)) continue;
            if (_names.Count == MaxColumns)
            {
                throw new UserInputException(
                    $"{path} line {row.Line}: property {PrintableText.Quote(field.Name)} is past the {MaxColumns} distinct properties a predictions file can carry as columns; are values used as property names (ids, dates)? Put them in a property's value");
            }
            _seen.Add(field.Name);
            _names.Add(field.Name);
        }
    }
}
