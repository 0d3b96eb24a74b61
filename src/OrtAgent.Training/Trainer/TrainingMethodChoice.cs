using System.Globalization;

namespace OrtAgent.Training.Trainer;

/// <summary>The method a run uses and why: asked for, or picked by <see cref="TrainingMethod.Auto"/> from the data's size.</summary>
/// <param name="Method">The method the run uses: <see cref="TrainingMethod.Standard"/> or <see cref="TrainingMethod.Contrastive"/>, never <see cref="TrainingMethod.Auto"/>.</param>
/// <param name="Reason">Why, in words for a log: <c>asked for</c>, or what <see cref="TrainingMethod.Auto"/> saw in the data.</param>
public sealed record TrainingMethodChoice(TrainingMethod Method, string Reason)
{
    /// <summary>
    /// <see cref="TrainingMethod.Auto"/> trains contrastively when the smallest class has fewer training examples than
    /// this. SetFit's paper shows contrastive training ahead of standard fine-tuning up to a few dozen examples per
    /// class; above that the two meet while the pairs (40 per example at 20 rounds) cost ever more steps.
    /// </summary>
    public const int ContrastiveBelowPerClass = 64;

    /// <summary>
    /// Classes count as very unequal when the smallest has fewer than the typical one's examples divided by this. Then the
    /// typical class (<see cref="TypicalClassSize"/>) decides, not the smallest: one class of 5 among sixteen of a hundred
    /// made a 675-row run contrastive, about 1,688 stage-1 steps against 129 for standard fine-tuning, for the sake of
    /// that one class. On data whose classes are alike, as on every data set <c>docs/few-labels.md</c> measured, the
    /// smallest decides as before.
    /// </summary>
    internal const int UnequalRatio = 2;

    /// <summary>
    /// Resolves <paramref name="requested"/> for training data whose classes have <paramref name="classCounts"/> examples:
    /// <see cref="TrainingMethod.Auto"/> trains contrastively when the smallest class has fewer than
    /// <see cref="ContrastiveBelowPerClass"/> examples, or, when the classes are very unequal (<see cref="UnequalRatio"/>),
    /// when the typical class has. The reason says which class decided, and its count.
    /// </summary>
    public static TrainingMethodChoice Resolve(TrainingMethod requested, IReadOnlyCollection<int> classCounts)
    {
        if (requested != TrainingMethod.Auto) return new(requested, "asked for");
        int smallest = classCounts.Count == 0 ? 0 : classCounts.Min();
        int typical = TypicalClassSize(classCounts);
        if ((long)smallest * UnequalRatio >= typical)
        {
            return smallest < ContrastiveBelowPerClass
                ? new(TrainingMethod.Contrastive, Invariant($"auto: the smallest class has {smallest} training {(smallest == 1 ? "example" : "examples")}, fewer than {ContrastiveBelowPerClass}"))
                : new(TrainingMethod.Standard, Invariant($"auto: every class has at least {ContrastiveBelowPerClass} training examples (smallest {smallest})"));
        }
        string basis = Invariant($"auto: the classes are very unequal, so the typical one decides: the median class of {classCounts.Count} has {typical} training examples");
        string smallestText = Invariant($"(the smallest has {smallest})");
        return typical < ContrastiveBelowPerClass
            ? new(TrainingMethod.Contrastive, $"{basis}, fewer than {ContrastiveBelowPerClass} {smallestText}")
            : new(TrainingMethod.Standard, $"{basis}, at least {ContrastiveBelowPerClass} {smallestText}");
    }

    /// <summary>
    /// The typical class's examples: the median of <paramref name="classCounts"/>, the lower of the two middle ones for an
    /// even count, so that with two classes it is the smaller, as before.
    /// </summary>
    internal static int TypicalClassSize(IReadOnlyCollection<int> classCounts)
    {
        ArgumentNullException.ThrowIfNull(classCounts);
        if (classCounts.Count == 0) return 0;
        var sorted = classCounts.Order().ToArray();
        return sorted[(sorted.Length - 1) / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The method <paramref name="artifacts"/> were built for, which a run resumed in them keeps: their objective says it.</summary>
    public static TrainingMethod MethodOf(Artifacts.TrainingArtifacts artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        return artifacts.Properties.Objective == Artifacts.TrainingObjective.PairSimilarity ? TrainingMethod.Contrastive : TrainingMethod.Standard;
    }

    /// <summary>
    /// The choice of a run resumed in <paramref name="artifacts"/>: the method they were built for, and why, as the run's
    /// first call said (its <see cref="Artifacts.RecordedSettings.MethodReason"/>) with "; resumed" after it.
    /// </summary>
    /// <param name="artifacts">The resumed run's artifacts.</param>
    /// <param name="recorded">Their settings record, as the caller read it once for its checks too; null when the run has none.</param>
    public static TrainingMethodChoice Resumed(Artifacts.TrainingArtifacts artifacts, Artifacts.RecordedSettings? recorded) =>
        new(MethodOf(artifacts), recorded?.MethodReason is { } reason ? reason + "; resumed" : "resumed");

    /// <summary>The method's name as the command line spells it.</summary>
    public static string ShortName(TrainingMethod method) => method switch
    {
        TrainingMethod.Standard => "standard",
        TrainingMethod.Contrastive => "contrastive",
        TrainingMethod.Auto => "auto",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>The method named <paramref name="name"/> (any case; <c>setfit</c> is <see cref="TrainingMethod.Contrastive"/> too).</summary>
    /// <exception cref="UserInputException">The name is not standard, contrastive or auto.</exception>
    public static TrainingMethod Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParse(name, out var method) ? method
            : throw new UserInputException($"'{name}' is not a training method: {Expected}");
    }

    /// <summary>Whether <paramref name="name"/> names a method, as <see cref="Parse"/> reads it; a host checks its own input with it.</summary>
    public static bool TryParse(string? name, out TrainingMethod method)
    {
        TrainingMethod? found = name?.Trim().ToLowerInvariant() switch
        {
            "standard" => TrainingMethod.Standard,
            "contrastive" or "setfit" => TrainingMethod.Contrastive,
            "auto" => TrainingMethod.Auto,
            _ => null,
        };
        method = found ?? default;
        return found is not null;
    }

    /// <summary>The names <see cref="Parse"/> takes, for messages: <c>expected standard, contrastive or auto</c>.</summary>
    internal const string Expected = "expected standard, contrastive or auto";

    /// <summary>One line for the console and the model card: <c>contrastive (auto: …)</c>.</summary>
    public override string ToString() => $"{ShortName(Method)} ({Reason})";
}
