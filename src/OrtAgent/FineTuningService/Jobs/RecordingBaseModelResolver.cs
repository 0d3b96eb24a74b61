using System.Collections.Concurrent;
using OrtAgent.BaseModels;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Resolves base models as <paramref name="inner"/> does and remembers the folder each was opened from, so that a job's
/// messages can name its base rather than the server's folder (a packaged base lives in the server's cache, a
/// configured one anywhere on its disk, outside the store whose paths the job's messages already shorten).
/// </summary>
internal sealed class RecordingBaseModelResolver(IBaseModelResolver inner) : IBaseModelResolver
{
    private readonly ConcurrentDictionary<string, byte> _directories = new();

    /// <summary>The full paths of the folders the bases resolved so far were opened from.</summary>
    public IEnumerable<string> Directories => _directories.Keys;

    /// <inheritdoc/>
    public async Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken)
    {
        var model = await inner.ResolveAsync(nameOrDirectory, cancellationToken);
        _directories.TryAdd(Path.GetFullPath(model.Directory), 0);
        return model;
    }
}
