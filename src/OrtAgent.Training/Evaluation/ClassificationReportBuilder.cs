namespace OrtAgent.Training.Evaluation;

/// <summary>Accumulates (true, predicted) label indices and losses batch by batch, then builds a <see cref="ClassificationReport"/>.</summary>
public sealed class ClassificationReportBuilder
{
    private readonly IReadOnlyList<string> _labels;
    private readonly long[,] _confusion;
    private double _lossSum;
    private long _lossCount;

    /// <summary>An empty builder for <paramref name="labels"/>; label indices passed in later must be below its count.</summary>
    /// <param name="labels">Label names in index order; kept by reference in the report.</param>
    public ClassificationReportBuilder(IReadOnlyList<string> labels)
    {
        _labels = labels;
        _confusion = new long[labels.Count, labels.Count];
    }

    /// <summary>Counts one example.</summary>
    /// <exception cref="IndexOutOfRangeException">A label index is negative or not below the label count.</exception>
    public void Add(int trueLabel, int predictedLabel) => _confusion[trueLabel, predictedLabel]++;

    /// <summary>Adds a batch: predictions are the arg-max of each row of <paramref name="scores"/> ([batch, labels]).</summary>
    public void AddBatch(ReadOnlySpan<int> trueLabels, ReadOnlySpan<float> scores)
    {
        int n = _labels.Count;
        for (int row = 0; row < trueLabels.Length; row++)
        {
            var s = scores.Slice(row * n, n);
            int best = 0;
            for (int c = 1; c < n; c++)
                if (s[c] > s[best]) best = c;
            Add(trueLabels[row], best);
        }
    }

    /// <summary>Adds a batch's mean loss, weighted by its size.</summary>
    public void AddLoss(double meanLoss, int examples)
    {
        _lossSum += meanLoss * examples;
        _lossCount += examples;
    }

    /// <summary>
    /// A report of everything added so far; the builder can go on accumulating and build again. The loss is the
    /// example-weighted mean of <see cref="AddLoss"/>, or null when none was added.
    /// </summary>
    public ClassificationReport Build() =>
        new(_labels, (long[,])_confusion.Clone(), _lossCount == 0 ? null : _lossSum / _lossCount);
}
