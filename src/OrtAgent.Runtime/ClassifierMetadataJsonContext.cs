using System.Text.Json.Serialization;

namespace OrtAgent.Runtime;

/// <summary>
/// Source-generated JSON for the OrtAgent metadata values (label list, metrics), so reading a model needs no reflection and
/// a trimmed, self-contained app that references only this library keeps working.
/// </summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, double>))]
internal sealed partial class ClassifierMetadataJsonContext : JsonSerializerContext;
