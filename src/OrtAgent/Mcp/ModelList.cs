using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>What <c>list_models</c> returns.</summary>
internal sealed record ModelList(
    [property: Description("The models, in the order the server loaded them.")] IReadOnlyList<ModelDescription> Models);
