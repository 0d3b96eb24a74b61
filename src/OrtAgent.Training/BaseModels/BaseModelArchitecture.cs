namespace OrtAgent.Training.BaseModels;

/// <summary>
/// The facts about a BERT-style encoder that training needs, derived by inspecting its ONNX graph and vocabulary
/// (see <see cref="BaseModelInspector"/>) rather than trusted from a configuration file.
/// </summary>
/// <param name="Layers">Number of transformer layers (<c>encoder.layer.N.*</c> initializers).</param>
/// <param name="HiddenSize">Width of the hidden state (columns of the word-embedding table).</param>
/// <param name="Heads">Number of attention heads.</param>
/// <param name="IntermediateSize">Width of the feed-forward layer (<c>intermediate.dense</c>).</param>
/// <param name="VocabSize">Rows of the word-embedding table.</param>
/// <param name="LowerCase">True when the vocabulary has no upper-case tokens, so text must be lower-cased before tokenizing.</param>
/// <param name="MaxPositions">Rows of the position-embedding table: the longest sequence the model accepts.</param>
/// <param name="InputNames">The graph's input names, in order.</param>
/// <param name="OutputName">The output carrying per-token hidden states.</param>
/// <param name="Opset">Version of the default ONNX operator set the graph imports.</param>
/// <param name="HasPooler">True when the graph carries the BERT pooler (<c>pooler.*</c> initializers).</param>
public sealed record BaseModelArchitecture(
    int Layers,
    int HiddenSize,
    int Heads,
    int IntermediateSize,
    int VocabSize,
    bool LowerCase,
    int MaxPositions,
    IReadOnlyList<string> InputNames,
    string OutputName,
    long Opset,
    bool HasPooler)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / Heads;
}
