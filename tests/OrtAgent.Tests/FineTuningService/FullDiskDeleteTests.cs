using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Store;
using static OrtAgent.Tests.FineTuningService.FineTuningErrorTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Deleting is the only way a client frees space, yet on a full disk (a tmpfs store filled with dd, by hand) a file's
/// and a model's delete were 507 "nothing was stored": the record of the delete is a write, which SQLite's write-ahead
/// log found no room for. The disk is full here as SQLite says it (SQLITE_FULL) for as long as what the delete removes is
/// still on disk, as a disk a few KB short is: the delete frees it first, then records, and succeeds.
/// </summary>
public sealed class FullDiskDeleteTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static SqliteException Full() => new("SQLite Error 13: 'database or disk is full'.", 13);

    [Fact]
    public async Task AFileIsDeletedOnAFullDisk()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "full-disk-file-store"), fixture.Tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        string id = await UploadAsync(service);
        string bytes = Directory.GetFiles(store.FilesDirectory).Single();
        store.WriteFault = () => File.Exists(bytes) ? Full() : null;

        using var deleted = await service.Http.DeleteAsync($"/v1/files/{id}");

        Assert.True(deleted.StatusCode == HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
        Assert.True((await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetBoolean());
        Assert.False(File.Exists(bytes));
        await AssertErrorAsync(await service.Http.GetAsync($"/v1/files/{id}"), HttpStatusCode.NotFound);
    }

    /// <summary>
    /// On a truly full disk a small upload's bytes (4 KB) left SQLite's log no room for the delete's record, so a store
    /// holding only uploads could not be freed through the API (a tester's tmpfs). The store keeps a room reserve from its
    /// start, outside its size limit, which such a delete gives up; the next start keeps it again.
    /// </summary>
    [Fact]
    public async Task ASmallFileIsDeletedOnAFullDiskWithTheRoomTheStoreKeeps()
    {
        string directory = Path.Combine(fixture.Tiny.Root, "full-disk-reserve-store");
        string id;
        await using (var service = await ServiceUnderTest.StartAsync(directory, fixture.Tiny.BaseModel))
        {
            var store = service.App.Services.GetRequiredService<FineTuningStore>();
            Assert.Equal(FineTuningStore.RoomReserveBytes, new FileInfo(store.RoomReservePath).Length);
            id = await UploadAsync(service);
            // Full while the reserve is there, whatever else is freed.
            store.WriteFault = () => File.Exists(store.RoomReservePath) ? Full() : null;

            using var deleted = await service.Http.DeleteAsync($"/v1/files/{id}");

            Assert.True(deleted.StatusCode == HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
            Assert.False(File.Exists(store.RoomReservePath));
            await AssertErrorAsync(await service.Http.GetAsync($"/v1/files/{id}"), HttpStatusCode.NotFound);
        }
        await using (var restarted = await ServiceUnderTest.StartAsync(directory, fixture.Tiny.BaseModel))
            Assert.Equal(FineTuningStore.RoomReserveBytes, new FileInfo(restarted.App.Services.GetRequiredService<FineTuningStore>().RoomReservePath).Length);
    }

    /// <summary>Where even the bytes gone leave no room, the 507 says what was removed and what is still listed, not "nothing was stored".</summary>
    [Fact]
    public async Task AFileWhoseDeleteCannotBeRecordedEvenSoIsSaidAsSuch()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "full-disk-file-store-2"), fixture.Tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        string id = await UploadAsync(service);
        store.WriteFault = Full;

        var error = await AssertErrorAsync(await service.Http.DeleteAsync($"/v1/files/{id}"), HttpStatusCode.InsufficientStorage);

        Assert.Equal("insufficient_storage", error.GetProperty("code").GetString());
        Assert.Equal($"the service's disk is full: file {id}'s bytes are deleted, but the record of its deletion could not be written, so it is still listed. "
            + $"Free space on the server, then send DELETE /v1/files/{id} again", error.GetProperty("message").GetString());
        // Listed without its bytes, its content is a 404 saying so (it was a 500, FileNotFoundException), a HEAD too.
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var content = await service.Http.SendAsync(new HttpRequestMessage(method, $"/v1/files/{id}/content"));
            Assert.Equal(HttpStatusCode.NotFound, content.StatusCode);
            if (method == HttpMethod.Get)
                Assert.Equal($"file '{id}' has no content: its bytes are gone from the server (a delete that found the disk full removes them first), though it is still listed; send DELETE /v1/files/{id} to remove it",
                    (await content.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());
        }
        store.WriteFault = null;
        using var again = await service.Http.DeleteAsync($"/v1/files/{id}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await AssertErrorAsync(await service.Http.GetAsync($"/v1/files/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AFineTunedModelIsDeletedOnAFullDisk()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "full-disk-model-store"), fixture.Tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (job, model) = ServedModelsTests.AddFineTunedModel(store, "fulldisk");
        string folder = store.ModelDirectory(job.Id);
        store.WriteFault = () => Directory.Exists(folder) ? Full() : null;

        using var deleted = await service.Http.DeleteAsync($"/v1/models/{model}");

        Assert.True(deleted.StatusCode == HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
        Assert.False(Directory.Exists(folder));
        store.WriteFault = null;
        await AssertErrorAsync(await service.Http.GetAsync($"/v1/models/{model}"), HttpStatusCode.NotFound);
        Assert.True(store.GetJob(job.Id)!.ModelDeleted);
    }

    /// <summary>
    /// On a full disk the model's folder goes before the delete is recorded: a request in that moment loaded the folder
    /// being removed and was a 503 (which the SDKs retry). It is the 404 of a deleted model; a refused delete (507) leaves
    /// the model listed again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARequestWhileAFullDiskDeleteRemovesTheModelsFolderIsToldTheModelWasDeleted(bool recorded)
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"full-disk-model-window-store-{recorded}"), fixture.Tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (job, model) = ServedModelsTests.AddFineTunedModel(store, $"window{recorded}");
        string folder = store.ModelDirectory(job.Id);
        HttpResponseMessage? between = null;
        int asked = 0;
        // The record's second try, once the folder is gone: a chat request then, from another thread (this one holds the delete).
        store.WriteFault = () =>
        {
            if (Directory.Exists(folder)) return Full();
            if (Interlocked.Exchange(ref asked, 1) == 0)
                between = Task.Run(() => service.Http.PostAsJsonAsync("/v1/chat/completions",
                    new { model, messages = new[] { new { role = "user", content = "fine" } } })).GetAwaiter().GetResult();
            return recorded ? null : Full();
        };

        using var deleted = await service.Http.DeleteAsync($"/v1/models/{model}");

        Assert.Equal(recorded ? HttpStatusCode.OK : HttpStatusCode.InsufficientStorage, deleted.StatusCode);
        Assert.NotNull(between);
        var error = await AssertErrorAsync(between, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal($"model '{model}' was deleted; fine-tuning job {job.Id} made it, and it is served no more: fine-tune again to train a model like it",
            error.GetProperty("message").GetString());
        store.WriteFault = null;
        using var listed = await service.Http.GetAsync($"/v1/models/{model}");
        Assert.Equal(recorded ? HttpStatusCode.NotFound : HttpStatusCode.OK, listed.StatusCode);
        between.Dispose();
    }

    /// <summary>Any other delete that meets a full disk (no fallback of its own) is not told "nothing was stored" either.</summary>
    [Fact]
    public async Task ADeleteThatMeetsAFullDiskIsNotToldNothingWasStored()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { Request = { Method = "DELETE" }, Response = { Body = new MemoryStream() } };

        await OrtAgent.FineTuningService.Api.OpenAIErrorEnvelope.Handle(_ => throw Full())(context);

        Assert.Equal(507, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        string message = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Equal("the service's disk is full and the delete could not be recorded; nothing was deleted. Free space on the server, then try again", message);
    }

    private static async Task<string> UploadAsync(ServiceUnderTest service)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes("text,label\ngood,a\nbad,b\n")), "file", "train.csv" },
            { new StringContent("fine-tune"), "purpose" },
        };
        using var uploaded = await service.Http.PostAsync("/v1/files", form);
        Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        return (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
