using System.Text.Json;

namespace OrtAgent.Data;

/// <summary>Checks on parsed JSON that the parser itself does not make.</summary>
internal static class JsonText
{
    /// <summary>
    /// Whether a name or string anywhere in <paramref name="element"/> is not valid Unicode: bytes that are not UTF-8, or
    /// an escaped lone surrogate such as <c>"\ud800"</c>. The parser accepts such text, and only reading it as a string
    /// throws, deep inside whichever code reads that field; checking every name and string once where the document is
    /// read keeps that from surfacing as an internal error.
    /// </summary>
    public static bool HoldsInvalidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name; // decoded on reading, like a string value
                        if (HoldsInvalidText(property.Value)) return true;
                    }
                    return false;
                case JsonValueKind.Array:
                    return element.EnumerateArray().Any(HoldsInvalidText);
                case JsonValueKind.String:
                    _ = element.GetString();
                    return false;
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
