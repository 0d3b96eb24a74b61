using System.Globalization;

namespace OrtAgent.Training.Contrastive;

/// <summary>How the head's C was chosen.</summary>
public enum HeadChoice
{
    /// <summary>Given (<see cref="ContrastiveOptions.HeadC"/>); nothing was compared.</summary>
    Fixed,

    /// <summary>The most accurate candidate on the validation split.</summary>
    Validation,

    /// <summary>The most accurate candidate over stratified folds of the training examples.</summary>
    CrossValidation,
}

/// <summary>The C the head was fitted with, how it was chosen, and every candidate's scores.</summary>
/// <param name="Choice">What scored the candidates.</param>
/// <param name="C">The C of the returned head.</param>
/// <param name="Candidates">Every C tried, in grid order (one entry when C was fixed).</param>
/// <param name="Folds">Folds of the cross-validation; 0 unless <see cref="Choice"/> is <see cref="HeadChoice.CrossValidation"/>.</param>
public sealed record HeadSelection(HeadChoice Choice, double C, int Folds, IReadOnlyList<HeadCandidate> Candidates)
{
    /// <summary>Where the candidates were scored, for logs and the model card: "5-fold cross-validation on the training examples".</summary>
    public string Basis => Choice switch
    {
        HeadChoice.Fixed => "fixed",
        HeadChoice.Validation => "the validation split",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Folds}-fold cross-validation on the training examples"),
    };

    /// <summary>
    /// Fits the head for every candidate C and keeps the most accurate, ties going to the lower mean cross-entropy (a few
    /// texts often tie on accuracy). A validation split of at least
    /// <see cref="ContrastiveOptions.MinimumValidationToSelect"/> examples scores the candidates; a smaller one would
    /// pick by noise, so they are scored by stratified cross-validation over the training embeddings instead, unless a
    /// class has a single training example. The returned head is fitted on every training example.
    /// </summary>
    public static (LogisticRegressionHead Head, HeadSelection Selection) Choose(IReadOnlyList<float[]> train, IReadOnlyList<int> trainLabels,
        IReadOnlyList<float[]> validation, IReadOnlyList<int> validationLabels, int classes, ContrastiveOptions options,
        CancellationToken cancellationToken = default)
    {
        if (options.HeadC is double fixedC)
        {
            var head = LogisticRegressionHead.Fit(train, trainLabels, classes, fixedC);
            var (accuracy, loss) = Score(head, validation, validationLabels);
            return (head, new HeadSelection(HeadChoice.Fixed, fixedC, 0, [new HeadCandidate(fixedC, accuracy, loss)]));
        }
        int folds = options.ChoosesHeadOnValidation(validation.Count) ? 0 : FoldCount(trainLabels, options.HeadFolds);
        var fold = folds == 0 ? null : AssignFolds(trainLabels, folds, options.SeedOrDefault);
        var candidates = new List<HeadCandidate>();
        foreach (var c in options.HeadCGrid)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (accuracy, loss) = fold is null
                ? Score(LogisticRegressionHead.Fit(train, trainLabels, classes, c), validation, validationLabels)
                : CrossValidate(train, trainLabels, classes, c, fold);
            candidates.Add(new HeadCandidate(c, accuracy, loss));
        }
        var best = candidates.Aggregate((a, b) => b.Accuracy > a.Accuracy || (b.Accuracy == a.Accuracy && b.Loss < a.Loss) ? b : a);
        var choice = folds == 0 ? HeadChoice.Validation : HeadChoice.CrossValidation;
        return (LogisticRegressionHead.Fit(train, trainLabels, classes, best.C), new HeadSelection(choice, best.C, folds, candidates));
    }

    /// <summary>Accuracy and mean cross-entropy of <paramref name="head"/> on labelled vectors (NaN for none).</summary>
    public static (double Accuracy, double Loss) Score(LogisticRegressionHead head, IReadOnlyList<float[]> features, IReadOnlyList<int> labels)
    {
        if (features.Count == 0) return (double.NaN, double.NaN);
        var (correct, loss) = Tally(head, features, labels, Enumerable.Range(0, features.Count));
        return ((double)correct / features.Count, loss / features.Count);
    }

    /// <summary>
    /// The number of folds: <paramref name="requested"/>, or fewer so that every class present has an example in each
    /// fold; 0 (no cross-validation) when a class has only one.
    /// </summary>
    private static int FoldCount(IReadOnlyList<int> labels, int requested)
    {
        int smallest = labels.GroupBy(y => y).Min(g => g.Count());
        return smallest < 2 ? 0 : Math.Min(requested, smallest);
    }

    /// <summary>The fold of every example: each class's examples, in a seeded order, dealt round the folds in turn.</summary>
    internal static int[] AssignFolds(IReadOnlyList<int> labels, int folds, int seed)
    {
        var fold = new int[labels.Count];
        var random = new Random(seed);
        foreach (var members in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var order = members.ToArray();
            random.Shuffle(order);
            for (int position = 0; position < order.Length; position++) fold[order[position]] = position % folds;
        }
        return fold;
    }

    /// <summary>Every example scored by the head fitted on the other folds: pooled accuracy and mean cross-entropy.</summary>
    private static (double Accuracy, double Loss) CrossValidate(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classes,
        double c, int[] fold)
    {
        int correct = 0;
        double loss = 0;
        foreach (int held in fold.Distinct())
        {
            var fit = Enumerable.Range(0, features.Count).Where(i => fold[i] != held).ToArray();
            var head = LogisticRegressionHead.Fit(fit.Select(i => features[i]).ToArray(), fit.Select(i => labels[i]).ToArray(), classes, c);
            var (foldCorrect, foldLoss) = Tally(head, features, labels, Enumerable.Range(0, features.Count).Where(i => fold[i] == held));
            correct += foldCorrect;
            loss += foldLoss;
        }
        return ((double)correct / features.Count, loss / features.Count);
    }

    private static (int Correct, double Loss) Tally(LogisticRegressionHead head, IReadOnlyList<float[]> features, IReadOnlyList<int> labels, IEnumerable<int> rows)
    {
        int correct = 0;
        double loss = 0;
        foreach (int i in rows)
        {
            var logits = head.Logits(features[i]);
            int predicted = Array.IndexOf(logits, logits.Max());
            if (predicted == labels[i]) correct++;
            loss += LogisticRegressionHead.CrossEntropy(logits, labels[i]);
        }
        return (correct, loss);
    }
}
