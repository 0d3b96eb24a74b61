namespace OrtAgent.Artifacts;

/// <summary>What <c>ortagent artifacts</c> takes from the command line.</summary>
public sealed record ArtifactsRequest(
    string BaseModel,
    int NumLabels,
    IReadOnlyList<string>? Labels,
    string Pooling,
    IReadOnlyList<string> Freeze,
    string? FreezeLayers,
    string Loss,
    string Optimizer,
    int Seed,
    float DropoutRatio,
    string OutputDirectory);
