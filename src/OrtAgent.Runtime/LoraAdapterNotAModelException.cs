namespace OrtAgent.Runtime;

/// <summary>
/// A LoRA adapter's directory (<c>adapter_config.json</c>, written by an adapter-only export) given where a model is
/// asked for: it holds the adapter's weights only, not a model that runs alone. The message says what to do in the
/// libraries' terms; a command rebuilds its line from <see cref="Problem"/> and <see cref="AdapterDirectory"/>.
/// </summary>
public sealed class LoraAdapterNotAModelException : ModelLoadException
{
    /// <summary>The file that marks an adapter's directory (PEFT's name).</summary>
    public const string AdapterConfigFile = "adapter_config.json";

    /// <param name="adapterDirectory">The directory as the caller named it.</param>
    public LoraAdapterNotAModelException(string adapterDirectory)
        : this(adapterDirectory, $"{adapterDirectory}: no {ModelContract.ModelFile} in the model directory: this is a LoRA adapter, not a model")
    {
    }

    private LoraAdapterNotAModelException(string adapterDirectory, string problem)
        : base($"{problem}; export the merged model from the run's checkpoint (ModelExporter.Export), or train on from the adapter and load the model that run exports")
    {
        AdapterDirectory = adapterDirectory;
        Problem = problem;
    }

    /// <summary>The directory as the caller named it.</summary>
    public string AdapterDirectory { get; }

    /// <summary>What is wrong, without the remedy.</summary>
    public string Problem { get; }
}
