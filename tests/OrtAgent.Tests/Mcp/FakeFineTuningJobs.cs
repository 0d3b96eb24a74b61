using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The fine-tuning service as the MCP tools see it, written by hand: jobs and events a test sets, a job creation that
/// does what the test says, and the files added and deleted recorded. What a test does not set is not supported.
/// </summary>
internal sealed class FakeFineTuningJobs : IFineTuningJobs
{
    public List<string> Added { get; } = [];
    public List<string> Deleted { get; } = [];
    public List<FineTuningJobObject> Jobs { get; } = [];
    public List<JobEventObject> Events { get; } = [];
    public Func<FineTuningJobRequest, FineTuningJobObject> OnCreate { get; init; } = _ => throw new NotSupportedException();

    public FileObject AddFile(string path, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public FileObject AddFile(Stream content, string filename, CancellationToken cancellationToken = default)
    {
        var file = new FileObject($"file-{Added.Count + 1}", content.Length, 0, filename, "fine-tune", "processed");
        Added.Add(file.Id);
        return file;
    }

    public void DeleteFile(string fileId) => Deleted.Add(fileId);

    /// <summary>The counts of rows checked that a creation reports before it does what <see cref="OnCreate"/> says.</summary>
    public long[] RowsChecked { get; init; } = [];

    public FineTuningJobObject Create(FineTuningJobRequest request, CancellationToken cancellationToken = default, IProgress<long>? rowsChecked = null)
    {
        foreach (long rows in RowsChecked) rowsChecked?.Report(rows);
        return OnCreate(request);
    }

    public FineTuningJobObject CreateFromFile(string trainingFilePath, FineTuningJobRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public FineTuningJobObject Get(string jobId) => Jobs.Single(job => job.Id == jobId);

    /// <summary>The jobs after <paramref name="after"/>, refused as the service refuses a cursor that names none of them.</summary>
    public ListObject<FineTuningJobObject> List(string? after = null, int limit = 20, JobMetadataFilter? metadata = null)
    {
        int start = after is null ? 0 : Jobs.FindIndex(job => job.Id == after) + 1;
        var older = Jobs.Skip(start).ToList();
        var page = new Page<FineTuningJobObject>([.. older.Take(limit)], older.Count > limit) { UnknownCursor = start == 0 && after is not null ? after : null };
        return FineTuningJobs.ToList(page, job => job, job => job.Id, "fine-tuning job");
    }

    public Task<FineTuningJobObject> CancelAsync(string jobId) => throw new NotSupportedException();

    public Task<FineTuningJobObject> PauseAsync(string jobId) => throw new NotSupportedException();

    public FineTuningJobObject Resume(string jobId) => throw new NotSupportedException();

    public ListObject<JobEventObject> ListEvents(string jobId, string? after = null, int limit = 20)
    {
        var events = Events.Where(e => e.Id.StartsWith(jobId + "/", StringComparison.Ordinal)).Take(limit).ToList();
        return new(events, false, events.FirstOrDefault()?.Id, events.LastOrDefault()?.Id);
    }

    public ListObject<CheckpointObject> ListCheckpoints(string jobId, string? after = null, int limit = 10) => new([], false, null, null);
}
