namespace OrtAgent.Training.Adapters;

/// <summary>
/// What <c>properties.json</c> records of a LoRA run (its <c>lora</c> object): the adapter settings, the weights that
/// carry an adapter, and the base the adapters belong to. The checkpoint holds only the adapters and the head, so the
/// base must be the very one they were trained on: <see cref="BaseSha256"/> is checked before it is used again.
/// </summary>
public sealed record LoraProperties
{
    /// <summary>The adapters' rank r (<see cref="LoraOptions.Rank"/>).</summary>
    public required int Rank { get; init; }

    /// <summary>The scale numerator α with the default applied (<see cref="LoraOptions.EffectiveAlpha"/>).</summary>
    public required float Alpha { get; init; }

    /// <summary>Dropout on the adapters' input, in [0, 1) (<see cref="LoraOptions.Dropout"/>).</summary>
    public required float Dropout { get; init; }

    /// <summary>Short target names (<see cref="LoraTargetNames"/>).</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>The adapted base weights (<c>encoder.layer.0.attention.self.query.weight</c>…), in graph order.</summary>
    public required IReadOnlyList<string> AdaptedWeights { get; init; }

    /// <summary>Lower-case hex SHA-256 of the base encoder file (<c>model.onnx</c>) the adapters were trained on.</summary>
    public required string BaseSha256 { get; init; }

    /// <summary>The factor α/r multiplying A·B.</summary>
    public float Scale => Alpha / Rank;

    /// <summary>The options these properties were built from.</summary>
    public LoraOptions ToOptions() => new()
    {
        Rank = Rank, Alpha = Alpha, Dropout = Dropout,
        Targets = LoraTargetNames.Parse(Targets, out var unknown) ?? throw new UserInputException($"unknown LoRA target '{unknown}' in the training properties"),
    };
}
