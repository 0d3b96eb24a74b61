using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// The values a numeric tool argument takes, as its input schema gives them (<c>minimum</c>, <c>maximum</c> and their
/// exclusive forms, which the SDK writes from a parameter's <c>[Range]</c>), so that a refusal names the bounds rather
/// than quoting the argument's whole description. An integer argument is a C# int, so int's range bounds it too.
/// </summary>
internal sealed record ArgumentRange(double? Minimum, bool MinimumIsExclusive, double? Maximum, bool MaximumIsExclusive, bool IsInteger)
{
    /// <summary>The whole numbers from <paramref name="minimum"/> to <paramref name="maximum"/>, as a tool checks them itself.</summary>
    public static ArgumentRange Integers(int minimum, int maximum) => new(minimum, false, maximum, false, IsInteger: true);

    /// <summary>The refusal of <paramref name="value"/> (as the call wrote it) for <paramref name="argument"/>: "top: 0 is out of range; give 1 to 50".</summary>
    public McpException Refusal(string argument, string value) => new(FineTuningService.Api.OpenAIApiException.OutOfRangeMessage(argument, value, ToString()));

    /// <summary>The range the property's schema gives; null for a property that is not a number or has no bounds.</summary>
    public static ArgumentRange? Of(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type)) return null;
        bool Allows(string kind) => type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Any(t => t.GetString() == kind) : type.GetString() == kind;
        bool isInteger = Allows("integer");
        if (!isInteger && !Allows("number")) return null;
        double? minimum = Bound(schema, "minimum"), exclusiveMinimum = Bound(schema, "exclusiveMinimum");
        double? maximum = Bound(schema, "maximum"), exclusiveMaximum = Bound(schema, "exclusiveMaximum");
        if (isInteger)
        {
            minimum = Math.Max(minimum ?? int.MinValue, exclusiveMinimum is { } above ? Math.Floor(above) + 1 : int.MinValue);
            maximum = Math.Min(maximum ?? int.MaxValue, exclusiveMaximum is { } below ? Math.Ceiling(below) - 1 : int.MaxValue);
            return new ArgumentRange(minimum, false, maximum, false, IsInteger: true);
        }
        if (minimum is null && exclusiveMinimum is null && maximum is null && exclusiveMaximum is null) return null;
        return new ArgumentRange(exclusiveMinimum ?? minimum, exclusiveMinimum is not null, exclusiveMaximum ?? maximum, exclusiveMaximum is not null, IsInteger: false);
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a number outside the range. A fraction given for an integer is not judged
    /// here: that it is not an integer is the thing to say.
    /// </summary>
    public bool Excludes(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) return false;
        // A fraction of an integer argument (1e-400, 2.00000000000000000000000000001) is the wrong kind, not out of range.
        if (IsInteger && !JsonWholeNumber.IsWhole(value)) return false;
        if (!value.TryGetDouble(out var number)) return true;
        return (Minimum is { } min && (MinimumIsExclusive ? number <= min : number < min))
            || (Maximum is { } max && (MaximumIsExclusive ? number >= max : number > max));
    }

    /// <summary>The values it takes, as a refusal gives them: "1 to 50", "above 0 and at most 100", "at least 1".</summary>
    public override string ToString()
    {
        string? low = Minimum is { } min ? (MinimumIsExclusive ? "above " : "") + Number(min) : null;
        string? high = Maximum is { } max ? (MaximumIsExclusive ? "below " : "") + Number(max) : null;
        return (low, high) switch
        {
            ({ } l, { } h) when !MinimumIsExclusive && !MaximumIsExclusive => $"{l} to {h}",
            ({ } l, { } h) => $"{(MinimumIsExclusive ? l : "at least " + l)} and {(MaximumIsExclusive ? h : "at most " + h)}",
            ({ } l, null) => MinimumIsExclusive ? l : "at least " + l,
            (null, { } h) => MaximumIsExclusive ? h : "at most " + h,
            _ => "any number",
        };
    }

    private static double? Bound(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var bound) && bound.ValueKind == JsonValueKind.Number && bound.TryGetDouble(out var value) ? value : null;

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
