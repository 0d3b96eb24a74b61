namespace OrtAgent.Runtime.Text;

/// <summary>
/// BERT model inputs for a batch of texts, laid out row-major as <c>[BatchSize, SequenceLength]</c>
/// so each array can back an int64 ONNX tensor without copying.
/// Rows shorter than <see cref="SequenceLength"/> are filled with the vocabulary's [PAD] id and mask 0.
/// </summary>
/// <remarks>The arrays are owned by the batch; the encoder keeps no reference to them.</remarks>
public sealed class EncodedBatch
{
    internal EncodedBatch(int batchSize, int sequenceLength, long[] inputIds, long[] attentionMask, long[] tokenTypeIds)
    {
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
    }

    /// <summary>
    /// Pads <paramref name="batchSize"/> rows of token ids (each already framed by [CLS] … [SEP]) to the longest row, or
    /// to <paramref name="minimumLength"/> when that is longer:
    /// the one place batches are laid out, whether the rows come from the encoder, a tokenized data set or a cache.
    /// </summary>
    /// <param name="batchSize">Number of rows.</param>
    /// <param name="row">The token ids of row <c>i</c>.</param>
    /// <param name="paddingTokenId">The vocabulary's [PAD] id.</param>
    /// <param name="minimumLength">
    /// Pads every row to at least this length, 0 or more: the sequence length of a graph whose inputs fix it, which refuses any other.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="row"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1, or <paramref name="minimumLength"/> is negative.</exception>
    public static EncodedBatch FromTokenIds(int batchSize, Func<int, ReadOnlySpan<int>> row, int paddingTokenId, int minimumLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        int sequenceLength = minimumLength;
        for (int r = 0; r < batchSize; r++) sequenceLength = Math.Max(sequenceLength, row(r).Length);
        var inputIds = new long[batchSize * sequenceLength];
        var attentionMask = new long[batchSize * sequenceLength];
        for (int r = 0; r < batchSize; r++)
        {
            ReadOnlySpan<int> ids = row(r);
            Span<long> idRow = inputIds.AsSpan(r * sequenceLength, sequenceLength);
            for (int i = 0; i < ids.Length; i++) idRow[i] = ids[i];
            idRow[ids.Length..].Fill(paddingTokenId);
            attentionMask.AsSpan(r * sequenceLength, ids.Length).Fill(1L);
        }
        return new EncodedBatch(batchSize, sequenceLength, inputIds, attentionMask, new long[batchSize * sequenceLength]);
    }

    /// <summary>Number of texts (rows).</summary>
    public int BatchSize { get; }

    /// <summary>
    /// Length of every row: the longest encoded text in this batch, or the minimum length the batch was laid out to when
    /// that is longer (the sequence length a graph's inputs fix); not the encoder's maximum.
    /// </summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, [CLS] first and [SEP] last in each row, then [PAD] ids.</summary>
    public long[] InputIds { get; }

    /// <summary>1 for real tokens (including [CLS] and [SEP]), 0 for padding.</summary>
    public long[] AttentionMask { get; }

    /// <summary>All zeros: single-sentence classification uses segment A only.</summary>
    public long[] TokenTypeIds { get; }

    /// <summary>The tensor shape, <c>[BatchSize, SequenceLength]</c>, as ONNX Runtime wants it.</summary>
    public long[] Shape => [BatchSize, SequenceLength];

    /// <summary>Number of real (unpadded) tokens in <paramref name="row"/>.</summary>
    public int TokenCount(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, BatchSize);
        ReadOnlySpan<long> mask = AttentionMask.AsSpan(row * SequenceLength, SequenceLength);
        // Padding only ever trails, so the first 0 ends the real tokens.
        int firstPad = mask.IndexOf(0L);
        return firstPad < 0 ? SequenceLength : firstPad;
    }
}
