using OrtAgent.Data;

namespace OrtAgent.Inference;

/// <summary>
/// The input columns of a JSON Lines file's predictions: every property of its objects, in the order each first
/// appears (one object may lack a property another has), gathered row by row in the first pass and bounded, since a
/// file whose property names are data (an id, a date as the name) would otherwise give a column per row.
/// </summary>
/// <param name="path">The input file, to name in a refusal.</param>
internal sealed class JsonLinesColumns(string path)
{
    /// <summary>The most distinct properties a JSON Lines input may have across its objects.</summary>
    internal const int MaxColumns = 1000;

    private readonly List<string> _names = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The properties seen so far, in the order each first appeared.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds the properties of <paramref name="row"/> not seen before.</summary>
    /// <exception cref="UserInputException">They bring the file past <see cref="MaxColumns"/> distinct properties.</exception>
    public void Add(InputRow row)
    {
        foreach (var field in row.Fields)
        {
            if (_seen.Contains(field.Name)) continue;
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
