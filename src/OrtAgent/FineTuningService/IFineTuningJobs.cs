using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService;

/// <summary>
/// The fine-tuning service in-process: what the <c>/v1/files</c> and <c>/v1/fine_tuning/jobs</c> endpoints do, for
/// callers that are not HTTP clients (the MCP tools). Every refusal is an <see cref="OpenAIApiException"/> whose
/// message names the field or the file line at fault; requests are validated before anything is queued.
/// Resolve it from the service's container (<c>app.Services.GetRequiredService&lt;IFineTuningJobs&gt;()</c>).
/// </summary>
public interface IFineTuningJobs
{
    /// <summary>Copies a local file into the store, as an upload with purpose <c>fine-tune</c> would.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">The caller's: cancelled, the copy stops at its next read and nothing is stored.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the file was stored.</exception>
    FileObject AddFile(string path, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="content"/> as an upload named <paramref name="filename"/>, whose extension chooses the reader.</summary>
    /// <param name="content">The file's bytes.</param>
    /// <param name="filename">The name it is listed by.</param>
    /// <param name="cancellationToken">The caller's: cancelled, the copy stops at its next read and nothing is stored.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the file was stored.</exception>
    FileObject AddFile(Stream content, string filename, CancellationToken cancellationToken = default);

    /// <summary>Deletes a stored file, as <c>DELETE /v1/files/{id}</c> does.</summary>
    /// <exception cref="OpenAIApiException">404 when there is no such file, 409 when a queued or running job uses it.</exception>
    void DeleteFile(string fileId);

    /// <summary>
    /// Validates the request and its files, then queues the job. Cancelled (the caller hung up), the files' read stops at
    /// its next row and nothing is recorded: no job, no event.
    /// </summary>
    /// <param name="request">The job asked for.</param>
    /// <param name="cancellationToken">The caller's: cancelled, the read stops and nothing is recorded.</param>
    /// <param name="rowsChecked">
    /// Told the rows of the training file, then the validation file, read so far (counted on across both), every
    /// <c>TrainingFileCheck.RowsPerReport</c> rows and at each file's end, on the calling thread; null tells nobody.
    /// </param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the job was recorded.</exception>
    FineTuningJobObject Create(FineTuningJobRequest request, CancellationToken cancellationToken = default, IProgress<long>? rowsChecked = null);

    /// <summary>
    /// Adds <paramref name="trainingFilePath"/> to the store and queues a job on it (its <c>TrainingFile</c> is replaced);
    /// when the job is refused or the creation cancelled, the copy is deleted again.
    /// </summary>
    FineTuningJobObject CreateFromFile(string trainingFilePath, FineTuningJobRequest request, CancellationToken cancellationToken = default);

    /// <exception cref="OpenAIApiException">404 when there is no such job.</exception>
    FineTuningJobObject Get(string jobId);

    /// <summary>Jobs, newest first, after the job <paramref name="after"/>; with <paramref name="metadata"/>, those it matches.</summary>
    ListObject<FineTuningJobObject> List(string? after = null, int limit = 20, JobMetadataFilter? metadata = null);

    /// <summary>Cancels a queued, running, pausing or paused job; a running one stops at its next optimizer step, one still starting at once.</summary>
    /// <exception cref="OpenAIApiException">
    /// 404 when there is no such job, 400 when it has finished or another cancel of it is already waiting for its training to stop.
    /// </exception>
    Task<FineTuningJobObject> CancelAsync(string jobId);

    /// <summary>
    /// Pauses a queued, running or pausing job: a running one is <c>pausing</c> until its next optimizer step, where it
    /// checkpoints; one still starting is paused at once, with no new checkpoint.
    /// </summary>
    /// <exception cref="OpenAIApiException">404 when there is no such job, 400 when it is not queued, running or pausing.</exception>
    Task<FineTuningJobObject> PauseAsync(string jobId);

    /// <summary>Queues a paused job again; it continues from its checkpoint.</summary>
    /// <exception cref="OpenAIApiException">404 when there is no such job, 400 when it is not paused.</exception>
    FineTuningJobObject Resume(string jobId);

    /// <summary>The job's events, newest first.</summary>
    ListObject<JobEventObject> ListEvents(string jobId, string? after = null, int limit = 20);

    /// <summary>The job's checkpoints (one per epoch), newest first.</summary>
    ListObject<CheckpointObject> ListCheckpoints(string jobId, string? after = null, int limit = 10);
}
