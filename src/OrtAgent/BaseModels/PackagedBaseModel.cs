namespace OrtAgent.BaseModels;

/// <summary>
/// A base model shipped inside a NuGet package's DLL as two manifest resources, <c>model.onnx</c> and
/// <c>vocab.txt</c>. The build copies the DLL into <c>basemodels/</c> beside ortagent.
/// </summary>
/// <param name="Name">The short name users type (<c>minilm</c>).</param>
/// <param name="PackageId">The NuGet package (and assembly) name.</param>
/// <param name="PackageVersion">Must match Directory.Packages.props; it is recorded in each pulled model's descriptor.</param>
public sealed record PackagedBaseModel(string Name, string PackageId, string PackageVersion)
{
    /// <summary>File name of the package's DLL inside <c>basemodels/</c>.</summary>
    public string AssemblyFileName => PackageId + ".dll";


}
