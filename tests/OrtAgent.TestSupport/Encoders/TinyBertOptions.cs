namespace OrtAgent.Training.Encoders;

/// <summary>The size of a <see cref="TinyBertBuilder"/> encoder; defaults give a model that trains in seconds on a CPU.</summary>
public sealed record TinyBertOptions
{
    public int Layers { get; init; } = 2;

    public int Hidden { get; init; } = 32;

    public int Heads { get; init; } = 4;

    public int Intermediate { get; init; } = 64;

    public int VocabSize { get; init; } = 128;

    public int MaxPositions { get; init; } = 64;

    public int TypeVocabSize { get; init; } = 2;

    /// <summary>13 (the exported minilm's opset) or 17 (training graphs).</summary>
    public int Opset { get; init; } = 17;

    public int Seed { get; init; } = 1;

    public float LayerNormEpsilon { get; init; } = 1e-12f;

    /// <summary>Throws <see cref="ArgumentException"/> for sizes the builder cannot make.</summary>
    public void Validate()
    {
        if (Layers < 1 || Hidden < 1 || Heads < 1 || Intermediate < 1 || MaxPositions < 1 || TypeVocabSize < 1)
            throw new ArgumentException("Layers, Hidden, Heads, Intermediate, MaxPositions and TypeVocabSize must be positive.");
        if (Hidden % Heads != 0) throw new ArgumentException($"Hidden ({Hidden}) must be a multiple of Heads ({Heads}).");
        if (VocabSize < 5) throw new ArgumentException("VocabSize must leave room for the five special tokens.");
        if (Opset is not (13 or 17)) throw new ArgumentException($"Opset must be 13 or 17, not {Opset}.");
    }
}
