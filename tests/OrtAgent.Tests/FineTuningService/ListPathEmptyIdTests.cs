using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A list's path with a trailing slash (<c>/v1/fine_tuning/jobs/</c>) is what a retrieve of an empty id sends (OpenAI's
/// Node library's <c>jobs.retrieve('')</c>); routing matched it to the list, which the client read as the job it asked
/// for. It is the 404 any id that names nothing gets, with that object's code, saying the id is empty; the list stays
/// at the path without the slash.
/// </summary>
public sealed class ListPathEmptyIdTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Theory]
    [InlineData("/v1/fine_tuning/jobs", "fine-tuning job", "fine_tuning_job_id", "job_not_found")]
    [InlineData("/v1/files", "file", "file_id", "file_not_found")]
    [InlineData("/v1/models", "model", "model", "model_not_found")]
    public async Task ARetrieveOfAnEmptyIdIs404NotTheList(string list, string names, string param, string code)
    {
        var http = fixture.Service.Http;
        using (var listed = await http.GetAsync(list))
        {
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            Assert.Equal("list", (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("object").GetString());
        }

        using var response = await http.GetAsync(list + "/");
        var error = await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.NotFound, param);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal($"no {names} with id '': the path '{list}/' ends in '/' with no id after it; the list is at '{list}'", error.GetProperty("message").GetString());

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, list + "/"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }
}
