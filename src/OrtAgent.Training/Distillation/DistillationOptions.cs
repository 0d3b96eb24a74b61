namespace OrtAgent.Training.Distillation;

/// <summary>What a distillation run keeps of the teacher and how the student learns from it.</summary>
public sealed record DistillationOptions
{
    /// <summary>Encoder layers the student keeps (see <see cref="LayerSelection"/>); at least 1, below the teacher's.</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Softmax temperature T of the distillation term, above 0.</summary>
    public float Temperature { get; init; } = 2f;

    /// <summary>Weight α in [0, 1] of the distillation term; 1 − α weighs cross-entropy on the labels. 0 trains without the teacher.</summary>
    public float Alpha { get; init; } = 0.5f;

    /// <summary>Checks the values that need no teacher; the layer count against the teacher is checked by <see cref="LayerSelection"/>.</summary>
    /// <exception cref="InvalidOptionException">A value cannot work; the exception names its property.</exception>
    public void Validate()
    {
        if (Layers < 1) throw Invalid(nameof(Layers), Layers, "must be at least 1");
        if (!(Temperature > 0f) || !float.IsFinite(Temperature)) throw Invalid(nameof(Temperature), Temperature, "must be above 0");
        if (Alpha is < 0f or > 1f || float.IsNaN(Alpha)) throw Invalid(nameof(Alpha), Alpha, "must be between 0 and 1");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<DistillationOptions>(property), value, problem);
}
