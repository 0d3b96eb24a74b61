using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The refusals that carried <c>code: null</c> carry the code OpenAI's API gives the same mistake, so a client that
/// branches on it (as OpenAI's libraries let it) is not left with nothing: a chat with no user message, an image
/// part, a content or role of the wrong kind, both hyperparameter forms disagreeing, hyperparameters the method does
/// not take, an empty metadata key, an upload form without its file or purpose, pair rounds too many for the file,
/// and a JSON body that is no object.
/// </summary>
public sealed class RefusalCodeTests : IAsyncLifetime
{
    private readonly TinyTrainingFixture _tiny = new();
    private ServiceUnderTest _service = null!;
    private string _model = "";

    public async Task InitializeAsync()
    {
        _service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        _model = ServedModelsTests.AddFineTunedModel(_service.App.Services.GetRequiredService<FineTuningStore>()).Model;
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _tiny.Dispose();
    }

    [Theory]
    [InlineData("""[{"role": "system", "content": "be brief"}]""", "invalid_value")]
    [InlineData("""[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]""", "invalid_value")]
    [InlineData("""[{"role": "user", "content": 5}]""", "invalid_type")]
    [InlineData("""[{"content": "good"}]""", "missing_required_parameter")]
    [InlineData("""[7]""", "invalid_type")]
    [InlineData("""[{"role": "robot", "content": "good"}]""", "invalid_value")]
    public async Task AChatWhoseMessagesCannotBeClassifiedHasOpenAIsCode(string messages, string code)
    {
        string body = $$"""{"model": "{{_model}}", "messages": {{messages}}}""";
        var error = await FineTuningErrorTests.AssertErrorAsync(await PostJsonAsync("/v1/chat/completions", body), HttpStatusCode.BadRequest, "messages");
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task TopLogprobsWithoutLogprobsIsInvalidValue()
    {
        string body = $$"""{"model": "{{_model}}", "messages": [{"role": "user", "content": "good"}], "top_logprobs": 2}""";
        var error = await FineTuningErrorTests.AssertErrorAsync(await PostJsonAsync("/v1/chat/completions", body), HttpStatusCode.BadRequest, "top_logprobs");
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("""{"hyperparameters": {"n_epochs": 2}, "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}}}""", "hyperparameters.n_epochs", "invalid_value")]
    [InlineData("""{"hyperparameters": {"n_epochs": 2}, "method": {"type": "contrastive"}}""", "hyperparameters", "invalid_value")]
    [InlineData("""{"method": {"type": "auto", "auto": {}}}""", "method.auto", "invalid_value")]
    [InlineData("""{"hyperparameters": {"n_epochs": 2}, "method": {"type": "auto"}}""", "hyperparameters.n_epochs", "invalid_value")]
    [InlineData("""{"metadata": {"": "x"}}""", "metadata", "invalid_value")]
    public async Task AJobRequestWhoseFieldsDisagreeHasOpenAIsCode(string fields, string param, string code)
    {
        var request = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(fields)!;
        request["model"] = JsonSerializer.SerializeToElement("tiny");
        request["training_file"] = JsonSerializer.SerializeToElement("file-none");
        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", request), HttpStatusCode.BadRequest, param);
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUploadFormWithoutItsFileOrPurposeHasOpenAIsCode()
    {
        using (var noFile = new MultipartFormDataContent { { new StringContent("fine-tune"), "purpose" } })
        {
            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync("/v1/files", noFile), HttpStatusCode.BadRequest, "file");
            Assert.Equal("missing_required_parameter", error.GetProperty("code").GetString());
        }
        using (var noPurpose = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("text,label\na,b\n")), "file", "a.csv" } })
        {
            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync("/v1/files", noPurpose), HttpStatusCode.BadRequest, "purpose");
            Assert.Equal("missing_required_parameter", error.GetProperty("code").GetString());
        }
        using (var emptyPurpose = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("text,label\na,b\n")), "file", "a.csv" }, { new StringContent(""), "purpose" } })
        {
            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync("/v1/files", emptyPurpose), HttpStatusCode.BadRequest, "purpose");
            Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        }
        var json = await FineTuningErrorTests.AssertErrorAsync(await PostJsonAsync("/v1/files", "{}"), HttpStatusCode.BadRequest, "file");
        Assert.Equal("unsupported_media_type", json.GetProperty("code").GetString());
    }

    /// <summary>
    /// Pair rounds that would sample more pairs than a run takes (a billion rounds) were a 400 with <c>code: null</c>,
    /// the one hyperparameter refusal without a code: they are above what the file allows.
    /// </summary>
    [Fact]
    public async Task PairRoundsTooManyForTheFileAreIntegerAboveMaxValue()
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(_tiny.WriteCsv("pairs.csv", 20, seed: 3))), "file", "pairs.csv" },
            { new StringContent("fine-tune"), "purpose" },
        };
        using var uploaded = await _service.Http.PostAsync("/v1/files", form);
        string file = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        string body = JsonSerializer.Serialize(new { model = "tiny", training_file = file, method = new { type = "contrastive", contrastive = new { hyperparameters = new { pair_rounds = 1e9 } } } });

        var error = await FineTuningErrorTests.AssertErrorAsync(await PostJsonAsync("/v1/fine_tuning/jobs", body), HttpStatusCode.BadRequest,
            "method.contrastive.hyperparameters.pair_rounds");
        Assert.Equal("integer_above_max_value", error.GetProperty("code").GetString());
    }

    /// <summary>A JSON body that is no object, or names a field twice, carried no code: only a body that is not JSON has none.</summary>
    [Theory]
    [InlineData("[1, 2]", "invalid_type")]
    [InlineData("""{"model": "tiny", "model": "tiny"}""", "invalid_value")]
    public async Task AJsonBodyARequestCannotBeHasACode(string body, string code)
    {
        foreach (var route in new[] { "/v1/chat/completions", "/v1/fine_tuning/jobs" })
        {
            var error = await FineTuningErrorTests.AssertErrorAsync(await PostJsonAsync(route, body), HttpStatusCode.BadRequest);
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, string body) =>
        _service.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
}
