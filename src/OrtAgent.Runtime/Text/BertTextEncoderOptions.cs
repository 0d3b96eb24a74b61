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
    /// Strip accents ("café" read as "cafe"): <see langword="null"/>, the default, strips them exactly when
    /// <see cref="LowerCase"/> lower-cases, as BERT's uncased and cased vocabularies expect; <see langword="false"/> keeps
    /// them in a lower-cased text, <see langword="true"/> strips them from a cased one (Hugging Face's <c>strip_accents</c>).
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>
    /// Set each CJK ideograph apart as a word of its own, as BERT's vocabularies expect (the default); <see langword="false"/>
    /// reads a run of them as one word, cut into WordPieces like any other (Hugging Face's <c>tokenize_chinese_chars</c>).
    /// </summary>
    public bool IndividuallyTokenizeCjk { get; init; } = true;

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
