using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Jobs;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job creation reads every row of its files before it queues the job: a caller that shows progress (start_fine_tuning
/// for an MCP host) is told the rows read, every <see cref="TrainingFileCheck.RowsPerReport"/> and at each file's end,
/// counted on from the training file into the validation file so that the count only grows.
/// </summary>
public sealed class JobCreationProgressTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Fact]
    public async Task TheRowsReadAreReportedEveryThousandAndAtEachFilesEndAcrossBothFiles()
    {
        var jobs = fixture.Service.App.Services.GetRequiredService<IFineTuningJobs>();
        var training = jobs.AddFile(fixture.Tiny.WriteChatJsonl("progress-training.jsonl", 2500, seed: 5));
        var validation = jobs.AddFile(fixture.FewValidationFile);
        var rows = new List<long>();

        var job = jobs.Create(new FineTuningJobRequest { Model = "tiny", TrainingFile = training.Id, ValidationFile = validation.Id, NEpochs = 1 },
            rowsChecked: new OrtAgent.Progress.SynchronousProgress<long>(rows.Add));
        await jobs.CancelAsync(job.Id);

        Assert.Equal([1000, 2000, 2500, 2510], rows);
    }
}
