namespace OrtAgent.Exporting;

/// <summary>Exports a trained checkpoint as an inference model (<c>ortagent export</c>).</summary>
public interface IExportService
{
    /// <summary>Exports the best parameters of <paramref name="artifactsDirectory"/> (the latest when no best was kept).</summary>
    /// <returns>The path of the written <c>model.onnx</c>.</returns>
    string Export(string artifactsDirectory, string outputDirectory, bool quantizeInt8, bool latest);
}
