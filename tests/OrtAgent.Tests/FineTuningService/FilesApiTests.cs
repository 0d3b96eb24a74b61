using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Files;

namespace OrtAgent.Tests.FineTuningService;

/// <summary><c>/v1/files</c> as OpenAI's clients read it: whole lists, their order, and names beyond ASCII.</summary>
public sealed class FilesApiTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly BinaryData Csv = BinaryData.FromString("text,label\na,x\nb,y\n");

    [Fact]
    public async Task TheLibrarysFileListHoldsEveryFileAndOrderAndCursorsWork()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "list-store"), fixture.Tiny.BaseModel);
        var client = service.OpenAI.GetOpenAIFileClient();
        var uploaded = new List<string>();
        for (int i = 0; i < 25; i++)
            uploaded.Add((await client.UploadFileAsync(Csv, $"f{i}.csv", FileUploadPurpose.FineTune)).Value.Id);

        // The library asks for no limit and reads one page: OpenAI's default of 10,000 files, not 20.
        OpenAIFileCollection listed = await client.GetFilesAsync();
        Assert.Equal(Enumerable.Reverse(uploaded), listed.Select(f => f.Id));

        var oldestFirst = await service.Http.GetFromJsonAsync<JsonElement>("/v1/files?order=asc&limit=10");
        Assert.Equal(uploaded.Take(10), Ids(oldestFirst));
        Assert.True(oldestFirst.GetProperty("has_more").GetBoolean());
        var next = await service.Http.GetFromJsonAsync<JsonElement>($"/v1/files?order=asc&limit=10&after={uploaded[9]}");
        Assert.Equal(uploaded.Skip(10).Take(10), Ids(next));
        var newestAfter = await service.Http.GetFromJsonAsync<JsonElement>($"/v1/files?limit=3&after={uploaded[9]}");
        Assert.Equal([uploaded[8], uploaded[7], uploaded[6]], Ids(newestAfter));
        // An empty cursor, as a client with none yet may send, starts at the first page.
        Assert.Equal(uploaded[^1], Ids(await service.Http.GetFromJsonAsync<JsonElement>("/v1/files?after=&limit=1")).Single());

        var bad = await service.Http.GetAsync("/v1/files?order=newest");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("order", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("café.csv")]
    [InlineData("名前.jsonl")]
    [InlineData("my data.csv")]
    public async Task AFileNamedBeyondAsciiDownloadsUnderItsName(string name)
    {
        var client = fixture.Service.OpenAI.GetOpenAIFileClient();
        var file = (await client.UploadFileAsync(Csv, name, FileUploadPurpose.FineTune)).Value;
        Assert.Equal(name, file.Filename);

        Assert.Equal(Csv.ToArray(), (await client.DownloadFileAsync(file.Id)).Value.ToArray());
        var response = await fixture.Service.Http.GetAsync($"/v1/files/{file.Id}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(name, response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.All(response.Content.Headers.ContentDisposition!.FileName!, c => Assert.InRange(c, ' ', '~'));
        await client.DeleteFileAsync(file.Id);
    }

    /// <summary>
    /// HEAD on a file's content read the whole file (up to the upload limit) for Kestrel to drop, and told no length: GET
    /// and HEAD now both say the file's length, which is what GET sends.
    /// </summary>
    [Fact]
    public async Task ContentTellsItsLengthOnGetAndHead()
    {
        var file = (await fixture.Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(Csv, "sized.csv", FileUploadPurpose.FineTune)).Value;

        using var get = await fixture.Service.Http.GetAsync($"/v1/files/{file.Id}/content");
        var body = await get.Content.ReadAsByteArrayAsync();
        using var head = await fixture.Service.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/files/{file.Id}/content"));

        Assert.Equal(Csv.ToArray(), body);
        Assert.Equal(body.Length, get.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal("sized.csv", head.Content.Headers.ContentDisposition?.FileName);
    }

    /// <summary>
    /// A page that rebound its own name to 127.0.0.1 cannot download the training data, and a page of another site
    /// cannot upload, create a job or cancel one through the visitor's browser (a form, a no-cors fetch).
    /// </summary>
    [Fact]
    public async Task APageOfAnotherSiteCanNeitherReadNorWrite()
    {
        var http = fixture.Service.Http;
        var file = (await fixture.Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(Csv, "private.csv", FileUploadPurpose.FineTune)).Value;
        int files = Ids(await http.GetFromJsonAsync<JsonElement>("/v1/files")).Count();

        using var rebound = new HttpRequestMessage(HttpMethod.Get, $"/v1/files/{file.Id}/content");
        rebound.Headers.Host = "rebind.attacker.example:18728";
        await AssertRefusedAsync(await http.SendAsync(rebound), HttpStatusCode.MisdirectedRequest, "invalid_host");

        HttpContent[] crossSite =
        [
            new MultipartFormDataContent { { new ByteArrayContent(Csv.ToArray()), "file", "planted.csv" }, { new StringContent("fine-tune"), "purpose" } },
            new StringContent($$"""{"model": "tiny", "training_file": "{{file.Id}}"}""", Encoding.UTF8, "text/plain"),
            new StringContent(""),
        ];
        string[] paths = ["/v1/files", "/v1/fine_tuning/jobs", "/v1/fine_tuning/jobs/ftjob-any/cancel"];
        for (int i = 0; i < paths.Length; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, paths[i]) { Content = crossSite[i] };
            request.Headers.Add("Origin", "http://evil.example");
            await AssertRefusedAsync(await http.SendAsync(request), HttpStatusCode.Forbidden, "cross_origin");
        }
        Assert.Equal(files, Ids(await http.GetFromJsonAsync<JsonElement>("/v1/files")).Count());
        Assert.DoesNotContain((await http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs")).GetProperty("data").EnumerateArray(),
            job => job.GetProperty("training_file").GetString() == file.Id);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code) =>
        Assert.Equal(code, (await FineTuningErrorTests.AssertErrorAsync(response, status)).GetProperty("code").GetString());

    private static IEnumerable<string> Ids(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()!);
}
