using OrtAgent.Runtime.Text;

namespace OrtAgent.Training.Data;

/// <summary>
/// Token ids and label indices of a data set, packed into flat arrays: one growing int array of tokens with
/// per-example offsets, so a large CSV costs a few bytes per token rather than an object per example.
/// </summary>
public sealed class TokenizedDataset
{
    private readonly int[] _tokens;
    private readonly int[] _offsets;
    private readonly int[] _labels;

    private readonly float[]? _teacherLogits;

    private TokenizedDataset(int[] tokens, int[] offsets, int[] labels, float[]? teacherLogits = null, int teacherWidth = 0)
    {
        _tokens = tokens;
        _offsets = offsets;
        _labels = labels;
        _teacherLogits = teacherLogits;
        TeacherWidth = teacherWidth;
    }

    /// <summary>Number of examples; valid example indices are 0 to <c>Count − 1</c>.</summary>
    public int Count => _labels.Length;

    /// <summary>
    /// How many examples were longer than the encoder's maximum length and were cut to it by <see cref="Build"/> (the
    /// model learns from their beginnings only); 0 for a set built from ready tokens.
    /// </summary>
    public int CutExamples { get; private init; }

    /// <summary>Teacher logits per example (distillation), 0 when the data set carries none.</summary>
    public int TeacherWidth { get; }

    /// <summary>Whether <see cref="WithTeacherLogits"/> attached teacher logits (<see cref="TeacherWidth"/> &gt; 0).</summary>
    public bool HasTeacherLogits => _teacherLogits is not null;

    /// <summary>The teacher's logits for <paramref name="example"/>; empty when the data set carries none.</summary>
    public ReadOnlySpan<float> TeacherLogits(int example) =>
        _teacherLogits is null ? default : _teacherLogits.AsSpan(example * TeacherWidth, TeacherWidth);

    /// <summary>
    /// The same examples, each with its row of <paramref name="logits"/> (<c>[Count, width]</c>, row-major) as the
    /// teacher's logits that a distillation graph reads beside the labels. The token arrays are shared, not copied.
    /// </summary>
    public TokenizedDataset WithTeacherLogits(float[] logits, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (logits.Length != Count * width)
            throw new ArgumentException($"Expected {Count} × {width} teacher logits, got {logits.Length}.", nameof(logits));
        return new TokenizedDataset(_tokens, _offsets, _labels, logits, width) { CutExamples = CutExamples };
    }

    /// <summary>
    /// The token ids of <paramref name="example"/>, as the encoder wrote them ([CLS] and [SEP] included when built by
    /// <see cref="Build"/>); a view of the shared array, valid as long as the data set.
    /// </summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="example"/> is not below <see cref="Count"/>.</exception>
    public ReadOnlySpan<int> Tokens(int example) => _tokens.AsSpan(_offsets[example], _offsets[example + 1] - _offsets[example]);

    /// <summary>The token count of <paramref name="example"/> (the length of <see cref="Tokens"/>).</summary>
    public int Length(int example) => _offsets[example + 1] - _offsets[example];

    /// <summary>The label index of <paramref name="example"/>: the position of its label in the run's label list.</summary>
    public int Label(int example) => _labels[example];

    /// <summary>How many examples each label has, by label index, for labels numbered below <paramref name="labelCount"/>.</summary>
    public int[] ExamplesPerLabel(int labelCount)
    {
        var counts = new int[labelCount];
        foreach (int label in _labels) counts[label]++;
        return counts;
    }

    /// <summary>Every example's token count, for length-bucketed batching.</summary>
    public int[] Lengths() => Enumerable.Range(0, Count).Select(Length).ToArray();

    /// <summary>Tokenizes <paramref name="examples"/> as they stream past (the texts are not kept).</summary>
    public static TokenizedDataset Build(IEnumerable<(string Text, int Label)> examples, BertTextEncoder encoder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(encoder);
        var tokens = new List<int>(1 << 16);
        var offsets = new List<int> { 0 };
        var labels = new List<int>();
        var buffer = new int[encoder.MaxLength];
        int cut = 0;
        foreach (var (text, label) in examples)
        {
            if ((labels.Count & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            int n = encoder.Encode(text, buffer, out bool truncated);
            if (truncated) cut++;
            for (int i = 0; i < n; i++) tokens.Add(buffer[i]);
            offsets.Add(tokens.Count);
            labels.Add(label);
        }
        return new TokenizedDataset(tokens.ToArray(), offsets.ToArray(), labels.ToArray()) { CutExamples = cut };
    }

    /// <summary>Builds a data set from ready token ids (tests, benchmarks).</summary>
    public static TokenizedDataset FromTokens(IReadOnlyList<int[]> examples, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(labels);
        var offsets = new int[examples.Count + 1];
        for (int i = 0; i < examples.Count; i++) offsets[i + 1] = offsets[i] + examples[i].Length;
        return new TokenizedDataset(examples.SelectMany(e => e).ToArray(), offsets, labels.ToArray());
    }
}
