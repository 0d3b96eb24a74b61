using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// An upload's file name is kept as its sender meant it: browsers and Node's FormData escape a quote as <c>%22</c>
/// (and CR, LF as <c>%0D</c>, <c>%0A</c>) in a quoted <c>filename</c>, which was kept as written; curl escapes a quote
/// as <c>\"</c>; <c>filename*</c> is RFC 6266's UTF-8 form. Other percent signs are the name's own.
/// </summary>
public sealed class UploadFileNameTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Theory]
    [InlineData("filename=\"say %22hi%22.csv\"", "say \"hi\".csv")]              // Node (undici) and browsers
    [InlineData("filename=\"say \\\"hi\\\".csv\"", "say \"hi\".csv")]            // curl
    [InlineData("filename*=UTF-8''caf%C3%A9%20%22x%22.csv", "café \"x\".csv")]   // RFC 6266
    [InlineData("filename=\"100%25 of%20it.csv\"", "100%25 of%20it.csv")]        // not an escape a sender makes: the name's own
    public async Task AFileNameIsDecodedAsItsSenderEncodedIt(string parameter, string stored)
    {
        var response = await UploadAsync(parameter);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(stored, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("filename").GetString());
    }

    [Fact]
    public async Task AnEscapedLineBreakInAFileNameIsRefusedAsOneSentAsItIs()
    {
        var error = await FineTuningErrorTests.AssertErrorAsync(await UploadAsync("filename=\"a%0D%0Aforged.csv\""), HttpStatusCode.BadRequest, "file");
        Assert.Equal("invalid_file_name", error.GetProperty("code").GetString());
        Assert.Equal("a\r\nforged.csv", FormFileName.DecodeFormEscapes("a%0d%0Aforged.csv"));
    }

    /// <summary>A name sent in Latin-1 (café as 63 61 66 E9) was stored with U+FFFD for its é, without a word.</summary>
    [Fact]
    public async Task AFileNameInBytesThatAreNotUtf8IsRefusedNamingIt()
    {
        const string boundary = "b0undary";
        var body = new MemoryStream();
        void Write(string ascii) => body.Write(Encoding.ASCII.GetBytes(ascii));
        Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n");
        Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"caf");
        body.WriteByte(0xE9);
        Write($".csv\"\r\n\r\ntext,label\na,b\n\r\n--{boundary}--\r\n");
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");

        var error = await FineTuningErrorTests.AssertErrorAsync(await fixture.Service.Http.PostAsync("/v1/files", content), HttpStatusCode.BadRequest, "file");

        Assert.Equal("invalid_file_name", error.GetProperty("code").GetString());
        Assert.Equal("the file name 'caf?.csv' is not valid Unicode text: it holds bytes that are not UTF-8 (shown as '?'); send the name as UTF-8",
            error.GetProperty("message").GetString());
    }

    private async Task<HttpResponseMessage> UploadAsync(string filenameParameter)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("text,label\na,b\n"));
        file.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; {filenameParameter}");
        using var form = new MultipartFormDataContent { { new StringContent("fine-tune"), "purpose" } };
        form.Add(file);
        return await fixture.Service.Http.PostAsync("/v1/files", form);
    }
}
