namespace OrtAgent.Runtime.Text;

/// <summary>
/// Options for <see cref="BertTextEncoder.Create(string, BertTextEncoderOptions?)"/>.
/// The defaults match an uncased BERT export fine-tuned with sequences of at most 128 tokens.
/// </summary>
public sealed class BertTextEncoderOptions
{
    /// <summary>
    /// Lower-case the text and strip accents before WordPiece, as uncased BERT vocabularies expect.
    /// Set to <see langword="false"/> for cased vocabularies, which keep both case and accents.
    /// </summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// The longest sequence produced, counting [CLS] and [SEP]. Longer texts are cut at token level and
    /// still end with [SEP]. Must be at least 2 and no more than the model's position-embedding table (512 for BERT).
    /// </summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Throws when a value cannot describe a working encoder.</summary>
    /// <exception cref="InvalidOptionException"><see cref="MaxLength"/> is below 2; it names <c>BertTextEncoderOptions.MaxLength</c>.</exception>
    internal void Validate()
    {
        // [CLS] and [SEP] alone take two positions; anything shorter cannot hold a valid BERT input.
        if (MaxLength < 2)
            throw new InvalidOptionException(InvalidOptionException.Name<BertTextEncoderOptions>(nameof(MaxLength)), MaxLength, "must be at least 2, to hold [CLS] and [SEP]");
    }
}
