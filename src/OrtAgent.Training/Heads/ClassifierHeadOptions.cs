namespace OrtAgent.Training.Heads;

/// <summary>The shape and initialisation of a classification head; <see cref="Validate"/> checks it up front.</summary>
public sealed class ClassifierHeadOptions
{
    /// <summary>Outputs of the linear layer: classes for ce, labels for bce, targets for mse.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>
    /// The most labels a head may have. The head's weight is hidden size × labels floats in one tensor; far below where
    /// that count overflows, and far above any classifier (more labels than this is a wrong label column, not a task).
    /// </summary>
    public const int MaxLabels = 100_000;

    /// <summary>How the token states are reduced to the one vector the linear layer reads; <see cref="PoolingMode.Pooler"/> needs a base that exports a pooler.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>Dropout probability before the linear layer, used when the graph runs in training mode.</summary>
    public float DropoutRatio { get; init; } = 0.1f;

    /// <summary>
    /// Scale each pooled vector to unit length before the linear layer: the head of a contrastively trained encoder
    /// (<see cref="Artifacts.TrainingObjective.PairSimilarity"/>) reads the normalised embeddings its pairs compared.
    /// </summary>
    public bool NormalizeEmbeddings { get; init; }

    /// <summary>Seeds the classifier weights (normal, std 0.02) and the Dropout node.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The short names used on the command line and in <c>properties.json</c>.</summary>
    public static string ShortName(PoolingMode pooling) => pooling switch
    {
        PoolingMode.Mean => "mean",
        PoolingMode.Cls => "cls",
        PoolingMode.Pooler => "pooler",
        _ => throw new ArgumentOutOfRangeException(nameof(pooling)),
    };

    /// <exception cref="UserInputException">The name is not mean, cls or pooler.</exception>
    public static PoolingMode ParsePooling(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mean" => PoolingMode.Mean,
        "cls" => PoolingMode.Cls,
        "pooler" => PoolingMode.Pooler,
        _ => throw new UserInputException($"unknown pooling '{name}': use mean, cls or pooler"),
    };

    /// <summary>Refuses a label count a head cannot have (see <see cref="MaxLabels"/>); the losses check theirs with it too.</summary>
    /// <exception cref="UserInputException">The count is below 1 or above <see cref="MaxLabels"/>.</exception>
    public static void RequireLabelCount(int numLabels)
    {
        if (numLabels is < 1 or > MaxLabels) throw new UserInputException($"the number of labels must be between 1 and {MaxLabels}, not {numLabels}");
    }

    /// <exception cref="InvalidOptionException">The dropout ratio or pooling is out of range; the exception names its property.</exception>
    /// <exception cref="UserInputException">The label count is out of range (<see cref="RequireLabelCount"/>).</exception>
    public void Validate()
    {
        RequireLabelCount(NumLabels);
        if (DropoutRatio is < 0f or >= 1f || float.IsNaN(DropoutRatio)) throw Invalid(nameof(DropoutRatio), DropoutRatio, "must be at least 0 and below 1");
        if (!Enum.IsDefined(Pooling)) throw Invalid(nameof(Pooling), Pooling, "expected mean, cls or pooler");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<ClassifierHeadOptions>(property), value, problem);
}
