using OrtAgent.Training.Checkpoints;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Puts files into the store: bytes are written under a temporary name and renamed into place before the database
/// row is added, so a listed file is always complete and an interrupted upload leaves no row.
/// </summary>
internal sealed class StoredFiles(FineTuningStore store, FineTuningServiceOptions options, StoreRoom room)
{
    /// <summary>What a client is told when a write finds the disk full, over HTTP (507) and from the agent tools alike.</summary>
    public const string DiskFullMessage = "the service's disk is full; nothing was stored. Free space on the server, then try again";

    /// <summary>What a delete is told when even it finds the disk full (its record makes room first, <see cref="FullDiskDelete"/>): nothing was stored, nor deleted.</summary>
    public const string DiskFullOnDeleteMessage = "the service's disk is full and the delete could not be recorded; nothing was deleted. Free space on the server, then try again";

    /// <summary>The formats a training file may have; the extension of the uploaded name chooses the reader.</summary>
    public static readonly string[] Extensions = [".jsonl", ".ndjson", ".csv", ".tsv", ".tab"];

    /// <summary>Receives <paramref name="content"/> and keeps it as a file of <paramref name="purpose"/>.</summary>
    /// <exception cref="OpenAIApiException">400 for an unsupported purpose or file type, 413 for a file over the limit.</exception>
    public async Task<StoredFile> AddAsync(Stream content, string filename, string purpose, CancellationToken cancellationToken)
    {
        CheckPurpose(purpose);
        using var received = await ReceiveAsync(content, filename, cancellationToken).ConfigureAwait(false);
        return Keep(received, purpose);
    }

    /// <summary>
    /// Writes an upload's bytes into the store under a temporary name (a multipart form may name its purpose after its
    /// file), so a large upload is written once, where a killed process's leftovers are cleaned up. The caller owns
    /// the result: <see cref="Keep"/> it, or dispose of it to delete the bytes.
    /// </summary>
    /// <exception cref="OpenAIApiException">
    /// 400 for an unsupported file type, a file that is not UTF-8 text, an empty file or one with no example (<see cref="UploadContentScan"/>), an upload that ends early or one that would take the store past
    /// its limit (<c>store_full</c>), 413 for a file over the limit.
    /// </exception>
    public async Task<ReceivedFile> ReceiveAsync(Stream content, string filename, CancellationToken cancellationToken)
    {
        CheckFileName(Path.GetFileName(filename));
        string extension = Path.GetExtension(filename).ToLowerInvariant();
        if (!Extensions.Contains(extension))
            throw OpenAIApiException.BadRequest(extension.Length == 0
                // OpenAI's Node library names bytes uploaded without a name 'unknown_file' (toFile(buffer)), and the
                // type is read from the name: saying it has no extension tells the sender what to change.
                ? $"'{filename}' has no extension, and the type of a file is read from its name; name the upload for its format: {string.Join(", ", Extensions)} (OpenAI's chat format is .jsonl)"
                : $"'{filename}': unsupported file type '{extension}'; expected {string.Join(", ", Extensions)} (OpenAI's chat format is .jsonl)", "file", "invalid_file_format");
        var id = FineTuningStore.NewId("file-");
        var received = new ReceivedFile(id, Path.GetFileName(filename), Path.Combine(store.FilesDirectory, id + extension), room);
        try
        {
            room.StartUpload(received);
            await using var target = new FileStream(received.TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            var scan = new UploadContentScan();
            await CopyLimitedAsync(content, target, received, scan, cancellationToken).ConfigureAwait(false);
            received.Bytes = target.Length;
            if (scan.NotTextProblem(received.Filename, ended: true) is { } notText)
                throw OpenAIApiException.BadRequest(notText, "file", "invalid_file_format");
            if (received.Bytes == 0)
                throw OpenAIApiException.BadRequest($"'{filename}' is empty; a fine-tuning file holds one example per line (chat JSONL), or a header and one per row (CSV, TSV)",
                    "file", "invalid_file_format");
            if (scan.Problem(received.Filename, delimited: extension is ".csv" or ".tsv" or ".tab") is { } noExamples)
                throw OpenAIApiException.BadRequest(noExamples, "file", "invalid_file_format");
            return received;
        }
        catch
        {
            received.Dispose();
            throw;
        }
    }

    /// <summary>Moves received bytes into place and lists them, as a file of <paramref name="purpose"/>.</summary>
    /// <exception cref="OpenAIApiException">400 for an unsupported purpose.</exception>
    public StoredFile Keep(ReceivedFile received, string purpose)
    {
        CheckPurpose(purpose);
        room.Keep(received);
        var file = new StoredFile(received.Id, received.Bytes, FineTuningStore.Now(), received.Filename, purpose, "processed", received.Path);
        try
        {
            store.AddFile(file);
        }
        catch
        {
            File.Delete(received.Path);
            throw;
        }
        return file;
    }

    /// <summary>The longest file name kept, in UTF-8 bytes: what most file systems allow.</summary>
    public const int MaxFileNameBytes = FileNameLimit.MaxBytes;

    /// <summary>
    /// Refuses a name that would be stored as it is and shown back in lists and logs, where it could pass for other
    /// text: control characters (CR and LF forge lines, NUL cuts C strings) and bidirectional controls (U+202E shows
    /// "txt.exe" as "exe.txt"); and a name longer than <see cref="MaxFileNameBytes"/>, which every list would repeat.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 naming <c>file</c>.</exception>
    public static void CheckFileName(string name)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxFileNameBytes)
            throw OpenAIApiException.BadRequest($"the file name is {bytes} bytes long in UTF-8; at most {MaxFileNameBytes} are accepted", "file", "invalid_file_name");
        foreach (char c in name)
        {
            if (char.IsControl(c) || BidiControls.Contains(c))
                throw OpenAIApiException.BadRequest(
                    $"the file name {PrintableText.Quote(name)} holds U+{(int)c:X4}, {(char.IsControl(c) ? "a control character" : "a bidirectional text control")}; rename the file",
                    "file", "invalid_file_name");
        }
    }

    /// <exception cref="OpenAIApiException">400 for a purpose other than fine-tune.</exception>
    public static void CheckPurpose(string purpose)
    {
        if (purpose != "fine-tune")
            throw OpenAIApiException.BadRequest($"purpose '{purpose}' is not supported; this service accepts 'fine-tune' files", "purpose", "invalid_purpose");
    }

    /// <summary>The stored file with this id.</summary>
    /// <exception cref="OpenAIApiException">404 when there is none.</exception>
    public StoredFile Get(string id) =>
        store.GetFile(id) ?? throw OpenAIApiException.NotFound($"no file with id '{id}'", "file_id", "file_not_found");

    /// <summary>
    /// Deletes a file no queued, running or paused job reads: its row first, so it is never listed without its bytes; bytes a
    /// kill leaves unlisted are removed when the store next opens. On a full disk, where the row's delete finds no room,
    /// the bytes go first to make it some (<see cref="FullDiskDelete"/>).
    /// </summary>
    /// <exception cref="OpenAIApiException">409 when a job that may still train uses it; 507 when even its bytes gone leave no room to record the delete.</exception>
    public void Delete(StoredFile file)
    {
        store.WithReferencesHeld(() =>
        {
            if (store.UnfinishedJobs().FirstOrDefault(j => j.TrainingFile == file.Id || j.ValidationFile == file.Id) is { } job)
                throw OpenAIApiException.Conflict($"file {file.Id} is used by job {job.Id}, which is {job.Status}; cancel it or wait for it to finish", "file_id", "file_in_use");
            // Under the references' lock: no job can take the file up between its bytes going and its row.
            FullDiskDelete.Record(() => store.DeleteFile(file.Id), () => File.Delete(file.Path), store.GiveUpRoomReserve,
                $"file {file.Id}", "bytes", $"DELETE /v1/files/{file.Id}");
        });
        File.Delete(file.Path);
    }

    /// <summary>
    /// Runs one read of an upload's body. Its <see cref="IOException"/> is the body's fault (a form that is malformed or
    /// ends before its closing boundary), answered 400; a write's, such as a full disk, is the server's, so only reads go
    /// through here. A body over the size limit (<see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/>, 413)
    /// and a cancelled request pass unchanged.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 when the read failed on the body.</exception>
    public static async Task<T> ReadUploadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not Microsoft.AspNetCore.Http.BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw OpenAIApiException.BadRequest("the multipart form is malformed or ends before its closing boundary", "file", OpenAIApiException.InvalidMultipart);
        }
    }

    /// <summary>The 413 for an upload over <paramref name="maxUploadBytes"/>, naming the limit (the client cannot set it, so not the option that does).</summary>
    public static OpenAIApiException FileTooLarge(long maxUploadBytes) => new(Microsoft.AspNetCore.Http.StatusCodes.Status413PayloadTooLarge,
        $"the file is larger than {OpenAIErrorEnvelope.Bytes(maxUploadBytes)}, the most an upload to this service may be",
        "file", "file_too_large");

    /// <summary>
    /// Refuses a new job when the store already holds its limit (<see cref="FineTuningServiceOptions.MaxStoreBytes"/>):
    /// its checkpoints and model would take it further past.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 <c>store_full</c>.</exception>
    public void CheckStoreRoom() => room.CheckJobRoom();

    private async Task CopyLimitedAsync(Stream source, Stream target, ReceivedFile received, UploadContentScan scan, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        while (true)
        {
            int read = await ReadUploadAsync(() => source.ReadAsync(buffer, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
            if (total > options.MaxUploadBytes)
                throw FileTooLarge(options.MaxUploadBytes);
            // Bytes that are not text are refused where they are found, before they are written: the rest is not read.
            scan.Read(buffer.AsSpan(0, read));
            if (scan.NotTextProblem(received.Filename, ended: false) is { } notText)
                throw OpenAIApiException.BadRequest(notText, "file", "invalid_file_format");
            // Reserved before it is written: two uploads at once cannot both take the store's last room.
            room.Reserve(received, read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
