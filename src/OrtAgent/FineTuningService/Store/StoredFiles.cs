using OrtAgent.FineTuningService.Api;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Puts files into the store: bytes are written under a temporary name and renamed into place before the database
/// row is added, so a listed file is always complete and an interrupted upload leaves no row.
/// </summary>
internal sealed class StoredFiles(FineTuningStore store, FineTuningServiceOptions options)
{
    /// <summary>What a client is told when a write finds the disk full, over HTTP (507) and from the agent tools alike.</summary>
    public const string DiskFullMessage = "the service's disk is full; nothing was stored. Free space on the server, then try again";

    /// <summary>The formats a training file may have; the extension of the uploaded name chooses the reader.</summary>
    public static readonly string[] Extensions = [".jsonl", ".ndjson", ".csv", ".tsv", ".tab"];

    /// <exception cref="OpenAIApiException">400 for an unsupported purpose or file type, 413 for a file over the limit.</exception>
    public async Task<StoredFile> AddAsync(Stream content, string filename, string purpose, CancellationToken cancellationToken)
    {
        if (purpose != "fine-tune")
            throw OpenAIApiException.BadRequest($"purpose '{purpose}' is not supported; this service accepts 'fine-tune' files", "purpose", "invalid_purpose");
        string extension = Path.GetExtension(filename).ToLowerInvariant();
        if (!Extensions.Contains(extension))
            throw OpenAIApiException.BadRequest($"'{filename}': unsupported file type; expected {string.Join(", ", Extensions)} (OpenAI's chat format is .jsonl)", "file", "invalid_file_format");
        var id = FineTuningStore.NewId("file-");
        var path = Path.Combine(store.FilesDirectory, id + extension);
        var temporary = path + ".partial";
        long bytes;
        try
        {
            await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await CopyLimitedAsync(content, target, cancellationToken).ConfigureAwait(false);
                bytes = target.Length;
            }
            File.Move(temporary, path);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        var file = new StoredFile(id, bytes, FineTuningStore.Now(), Path.GetFileName(filename), purpose, "processed", path);
        store.AddFile(file);
        return file;
    }

    /// <summary>The stored file with this id.</summary>
    /// <exception cref="OpenAIApiException">404 when there is none.</exception>
    public StoredFile Get(string id) =>
        store.GetFile(id) ?? throw OpenAIApiException.NotFound($"No file with id '{id}'", "file_id", "file_not_found");

    /// <summary>
    /// Deletes a file no queued, running or paused job reads: its row first, so it is never listed without its bytes; bytes a
    /// kill leaves unlisted are removed when the store next opens.
    /// </summary>
    /// <exception cref="OpenAIApiException">409 when a job that may still train uses it.</exception>
    public void Delete(StoredFile file)
    {
        if (store.UnfinishedJobs().FirstOrDefault(j => j.TrainingFile == file.Id || j.ValidationFile == file.Id) is { } job)
            throw OpenAIApiException.Conflict($"file {file.Id} is used by job {job.Id}, which is {job.Status}; cancel it or wait for it to finish", "file_id", "file_in_use");
        store.DeleteFile(file.Id);
        File.Delete(file.Path);
    }

    private async Task CopyLimitedAsync(Stream source, Stream target, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > options.MaxUploadBytes)
                throw new OpenAIApiException(Microsoft.AspNetCore.Http.StatusCodes.Status413PayloadTooLarge,
                    $"the file is larger than {options.MaxUploadBytes} bytes", "file", "file_too_large");
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
