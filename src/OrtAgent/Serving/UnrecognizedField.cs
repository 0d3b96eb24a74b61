using System.Text.Json;

namespace OrtAgent.Serving;

/// <summary>
/// A field of a request body that its route does not read, refused rather than ignored: ignored, a misspelt name
/// (<c>"truncat": false</c>, <c>"n_epoch"</c>) runs with a default the client did not ask for. Both servers word it
/// alike, each in its own error envelope (serve's error body, OpenAI's on the <c>/v1</c> routes).
/// </summary>
/// <param name="Field">Where the field stands and its name: <c>method.type_x</c>, or <c>truncat</c> in the body itself.</param>
/// <param name="Message">The refusal, naming the field and what its object takes.</param>
internal sealed record UnrecognizedField(string Field, string Message)
{
    /// <summary>
    /// The first field of <paramref name="fields"/> not among <paramref name="known"/>; null when every one is known.
    /// <paramref name="prefix"/> says where the fields stand in the body (<c>method.</c>), empty for the body itself,
    /// whose list of known names the message introduces with <paramref name="bodyTakes"/>.
    /// </summary>
    public static UnrecognizedField? First(JsonElement fields, string prefix, string bodyTakes, IReadOnlyCollection<string> known)
    {
        foreach (var field in fields.EnumerateObject())
        {
            if (!known.Contains(field.Name, StringComparer.Ordinal))
                return new(prefix + field.Name,
                    $"unrecognized request argument '{prefix}{field.Name}'; {(prefix.Length == 0 ? bodyTakes : $"{prefix.TrimEnd('.')} takes")}: {string.Join(", ", known)}");
        }
        return null;
    }
}
