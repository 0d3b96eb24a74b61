using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A path that leaves an object's id empty is what a client's call with an empty id sends (OpenAI's Node library's
/// <c>files.retrieve('')</c> is <c>GET /v1/files/</c>, <c>files.del('')</c> <c>DELETE /v1/files/</c>,
/// <c>jobs.cancel('')</c> <c>POST /v1/fine_tuning/jobs//cancel</c>). Routing matched a GET to the list, which the client
/// read as the object it asked for, a DELETE to the list's other methods (a 405) and <c>//cancel</c> to nothing (an
/// <c>unknown_url</c> 404). Each is the 404 any id that names nothing gets, with that object's code, saying the id is
/// empty; the list stays at the path without the slash.
/// </summary>
public sealed class EmptyIdPathTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
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

    /// <summary>Each route with an id, asked with its own method and the id left empty: a DELETE was a 405, the rest an <c>unknown_url</c>.</summary>
    [Theory]
    [InlineData("DELETE", "/v1/files/", "file_id", "file_not_found", "ends in '/' with no id after it; the list is at '/v1/files'")]
    [InlineData("DELETE", "/v1/models/", "model", "model_not_found", "ends in '/' with no id after it; the list is at '/v1/models'")]
    [InlineData("GET", "/v1/files//content", "file_id", "file_not_found", "has no id between '/v1/files/' and '/content'")]
    [InlineData("POST", "/v1/fine_tuning/jobs//cancel", "fine_tuning_job_id", "job_not_found", "has no id between '/v1/fine_tuning/jobs/' and '/cancel'")]
    [InlineData("POST", "/v1/fine_tuning/jobs//pause", "fine_tuning_job_id", "job_not_found", "has no id between '/v1/fine_tuning/jobs/' and '/pause'")]
    [InlineData("POST", "/v1/fine_tuning/jobs//resume", "fine_tuning_job_id", "job_not_found", "has no id between '/v1/fine_tuning/jobs/' and '/resume'")]
    [InlineData("GET", "/v1/fine_tuning/jobs//events", "fine_tuning_job_id", "job_not_found", "has no id between '/v1/fine_tuning/jobs/' and '/events'")]
    [InlineData("GET", "/v1/fine_tuning/jobs//checkpoints", "fine_tuning_job_id", "job_not_found", "has no id between '/v1/fine_tuning/jobs/' and '/checkpoints'")]
    public async Task AnEmptyIdIsTheObjectsNotFoundWhateverTheMethod(string method, string path, string param, string code, string where)
    {
        using var response = await fixture.Service.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var error = await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.NotFound, param);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal($"no {NamesOf(code)} with id '': the path '{path}' {where}", error.GetProperty("message").GetString());
        // The same as for an id that names nothing, apart from the message.
        string withId = path.EndsWith('/') ? path + "nothing" : path.Replace("//", "/nothing/", StringComparison.Ordinal);
        using var named = await fixture.Service.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), withId));
        Assert.Equal(HttpStatusCode.NotFound, named.StatusCode);
        Assert.Equal(code, (await named.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    /// <summary>
    /// A method the route with an id does not take keeps routing's answer (OpenAI has no job delete: a 405, as for a
    /// named job), and a request without a key is still refused for that before anything about its id.
    /// </summary>
    [Fact]
    public async Task OtherMethodsAndMissingKeysKeepTheirAnswers()
    {
        var http = fixture.Service.Http;
        using (var named = await http.DeleteAsync("/v1/fine_tuning/jobs/ftjob-nothing"))
        using (var empty = await http.DeleteAsync("/v1/fine_tuning/jobs/"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, named.StatusCode);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, empty.StatusCode);
        }
        using (var put = await http.PutAsync("/v1/files/", null))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = fixture.Service.BaseAddress };
        using var refused = await anonymous.DeleteAsync("/v1/files/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>The OpenAI .NET library cannot send an empty id: it refuses it before any request, so only plain HTTP (and Node) meets these paths.</summary>
    [Fact]
    public async Task TheDotNetLibraryRefusesAnEmptyIdItself()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => fixture.Service.OpenAI.GetOpenAIFileClient().DeleteFileAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => fixture.Service.OpenAI.GetOpenAIModelClient().DeleteModelAsync(""));
    }

    private static string NamesOf(string code) => code switch
    {
        "file_not_found" => "file",
        "model_not_found" => "model",
        _ => "fine-tuning job",
    };
}
