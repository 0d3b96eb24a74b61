using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrtAgent.FineTuningService.Store;
using static OrtAgent.Tests.FineTuningService.FineTuningErrorTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>--max-store-bytes</c>: an upload that would take the store past it is refused before it is kept, and a job is
/// refused while the store holds it, with a 400 <c>store_full</c> (not retried, unlike the 507 of a full disk) saying
/// what the store holds and how to make room; nothing of the refused upload stays behind.
/// </summary>
public sealed class StoreSizeLimitTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Fact]
    public async Task AnUploadPastTheLimitAndAJobOnAFullStoreAre400StoreFull()
    {
        string store = Path.Combine(fixture.Tiny.Root, "limited-store");
        await using (var unlimited = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel)) { }
        long empty = DirectoryBytes(store);

        string trainingFile;
        // Room for the database's shared-memory index (32 KB), which the running service adds, and for the room each upload
        // reserves for its row (StoreRoom.RecordAllowance, about 32 KB), beside the file itself.
        await using (var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, maxStoreBytes: empty + 80 * 1024))
        {
            // Within the limit: kept.
            var kept = await service.Http.PostAsync("/v1/files", Form("train.csv", TrainingCsv()));
            Assert.True(kept.IsSuccessStatusCode, await kept.Content.ReadAsStringAsync());
            trainingFile = (await kept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

            // Past it: refused, and nothing of it kept.
            var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", Form("big.csv", "text,label\n" + new string('x', 100 * 1024) + ",a\n")),
                HttpStatusCode.BadRequest, "file");
            Assert.Equal("store_full", error.GetProperty("code").GetString());
            Assert.Matches(@"^the store is full: it holds \d+ bytes \([\d.]+ KiB\) of the \d+ bytes \([\d.]+ KiB\) this service keeps, and this upload would pass that; nothing was stored\. "
                + @"Delete files \(DELETE /v1/files/\{id\}\) or fine-tuned models \(DELETE /v1/models/\{id\}\) to make room$", error.GetProperty("message").GetString());
            Assert.Single(Directory.GetFiles(Path.Combine(store, "files")));
        }

        await using (var full = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, maxStoreBytes: 1))
        {
            var error = await AssertErrorAsync(await full.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = trainingFile }), HttpStatusCode.BadRequest);
            Assert.Equal("store_full", error.GetProperty("code").GetString());
            Assert.Contains("so a job's checkpoints and model have no room", error.GetProperty("message").GetString());
            Assert.Equal(0, (await full.Http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs")).GetProperty("data").GetArrayLength());

            error = await AssertErrorAsync(await full.Http.PostAsync("/v1/files", Form("small.csv", TrainingCsv())), HttpStatusCode.BadRequest, "file");
            Assert.Equal("store_full", error.GetProperty("code").GetString());
            Assert.Single(Directory.GetFiles(Path.Combine(store, "files")));
        }
    }

    /// <summary>
    /// SQLite's write-ahead log (<c>ortagent.db-wal</c>) counts toward the limit and grew with every upload and delete: with
    /// every file deleted an upload was still refused store_full ("it holds 226427 bytes", 0 files) until a restart, and
    /// the row an accepted upload added took the store past its limit (212,885 of 204,800 bytes). The log is now
    /// checkpointed where the store would be refused, and each upload reserves room for its row.
    /// </summary>
    [Fact]
    public async Task DeletingEveryFileMakesRoomAndNoUploadTakesTheStorePastItsLimit()
    {
        string store = Path.Combine(fixture.Tiny.Root, "log-limited-store");
        await using (var unlimited = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel)) { }
        long limit = DirectoryBytes(store) + 200 * 1024;
        string upload = "text,label\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"text {i:D3},{(i % 2 == 0 ? "a" : "b")}\n"));

        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, maxStoreBytes: limit);
        var kept = new List<string>();
        for (int i = 0; i < 100; i++)
        {
            using var response = await service.Http.PostAsync("/v1/files", Form($"train{i}.csv", upload));
            if (!response.IsSuccessStatusCode)
            {
                var refused = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "file");
                Assert.Equal("store_full", refused.GetProperty("code").GetString());
                break;
            }
            kept.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            Assert.True(DirectoryBytes(store) <= limit, $"after {kept.Count} uploads the store holds {DirectoryBytes(store)} bytes, past its limit of {limit}: "
                + string.Join(", ", new DirectoryInfo(store).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => !f.Name.StartsWith("file-")).Select(f => $"{f.Name} {f.Length}")));
        }
        Assert.InRange(kept.Count, 2, 99);

        foreach (var id in kept)
        {
            using var deleted = await service.Http.DeleteAsync($"/v1/files/{id}");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        using var afterDeletes = await service.Http.PostAsync("/v1/files", Form("again.csv", upload));
        Assert.True(afterDeletes.IsSuccessStatusCode, await afterDeletes.Content.ReadAsStringAsync());
        Assert.True(DirectoryBytes(store) <= limit, $"the store holds {DirectoryBytes(store)} bytes, past its limit of {limit}");
    }

    private static string TrainingCsv() => "text,label\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"text {i},{(i % 2 == 0 ? "a" : "b")}\n"));

    private static MultipartFormDataContent Form(string name, string content) => new()
    {
        { new ByteArrayContent(Encoding.UTF8.GetBytes(content)), "file", name },
        { new StringContent("fine-tune"), "purpose" },
    };

    // The room reserve is the service's own, outside the limit (FullDiskDelete); everything else the store holds counts.
    internal static long DirectoryBytes(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Where(file => file.Name != FineTuningStore.RoomReserveFile).Sum(file => file.Length);
}
