using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Jobs;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job creation whose caller hangs up while its training file is read stops reading at the next row and records
/// nothing: no job, no event, and (from a local path) no copy of the file. The read is stepped into at a chosen row
/// through <see cref="ObservedTrainingFileRows"/> in place of the service's row reader, so where it stops is counted, not timed.
/// </summary>
public sealed class HungUpJobCreationTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private const int HangUpRow = 50;   // of the 400 in LongChatFile

    [Fact]
    public async Task ACancelledCreationStopsReadingAtTheNextRowAndLeavesNoJobNorCopy()
    {
        var reader = new ObservedTrainingFileRows();
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "hung-up-store-in-process"), fixture.Tiny.BaseModel, rowReader: reader);
        var jobs = service.App.Services.GetRequiredService<IFineTuningJobs>();
        var file = jobs.AddFile(fixture.LongChatFile);
        var rows = new ConcurrentQueue<long>();
        using var hangUp = new CancellationTokenSource();
        reader.RowRead = (line, _) =>
        {
            rows.Enqueue(line);
            if (line == HangUpRow) hangUp.Cancel();
        };

        Assert.ThrowsAny<OperationCanceledException>(() => jobs.Create(new FineTuningJobRequest { Model = "tiny", TrainingFile = file.Id }, hangUp.Token));
        Assert.Equal(HangUpRow, rows.Max());
        Assert.Empty(jobs.List().Data);

        // From a local path: the copy made for it goes too.
        var filesBefore = FileIds(service);
        rows.Clear();
        using var hangUpAgain = new CancellationTokenSource();
        reader.RowRead = (line, _) =>
        {
            rows.Enqueue(line);
            if (line == HangUpRow) hangUpAgain.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => jobs.CreateFromFile(fixture.LongChatFile, new FineTuningJobRequest { Model = "tiny" }, hangUpAgain.Token));
        Assert.Equal(HangUpRow, rows.Max());
        Assert.Empty(jobs.List().Data);
        Assert.Equal(filesBefore, FileIds(service));
        Assert.Equal(filesBefore.Count, Directory.GetFiles(Path.Combine(service.App.Services.GetRequiredService<OrtAgent.FineTuningService.Store.FineTuningStore>().FilesDirectory)).Length);

        // Not cancelled, the same request reads the whole file and queues its job.
        reader.RowRead = null;
        var job = jobs.Create(new FineTuningJobRequest { Model = "tiny", TrainingFile = file.Id, NEpochs = 1 });
        await jobs.CancelAsync(job.Id);
    }

    [Fact]
    public async Task AClientThatHangsUpOnAJobCreationStopsItsReadAndGetsNoJob()
    {
        var reader = new ObservedTrainingFileRows();
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "hung-up-store-http"), fixture.Tiny.BaseModel, rowReader: reader);
        var upload = await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune);
        var rows = new ConcurrentQueue<long>();
        var serverSawHangUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new CancellationTokenSource();
        reader.ReadEnded = () => readEnded.TrySetResult();
        reader.RowRead = (line, requestAborted) =>
        {
            rows.Enqueue(line);
            if (line != HangUpRow) return;
            client.Cancel();
            // Bounded: the server learns of the closed connection within moments; the read goes on only once it has.
            serverSawHangUp.SetResult(requestAborted.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = upload.Value.Id }, client.Token));
        Assert.True(await serverSawHangUp.Task.WaitAsync(TimeSpan.FromSeconds(60)), "the request's token was not cancelled when its client hung up");

        // The read ended at the row of the hang-up, and no job was recorded.
        await readEnded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HangUpRow, rows.Max());
        var list = await service.Http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs");
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
    }

    private static HashSet<string> FileIds(ServiceUnderTest service) =>
        [.. service.App.Services.GetRequiredService<OrtAgent.FineTuningService.Store.FineTuningStore>().ListFiles(null, null, 10_000, false).Items.Select(f => f.Id)];
}
