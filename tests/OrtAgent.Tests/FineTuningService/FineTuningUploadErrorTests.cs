using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static OrtAgent.Tests.FineTuningService.FineTuningErrorTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Bodies over the limits (a 413 naming the limit) and forms that do not parse (a 400): nothing half-written is left in
/// the store, and an upload that is accepted is written into the store as it arrives.
/// </summary>
public sealed class FineTuningUploadErrorTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    [Fact]
    public async Task AnUploadOverTheLimitIs413()
    {
        await using var small = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "small-store"), fixture.Tiny.BaseModel, maxUploadBytes: 1000);
        // Text: NUL bytes are refused as not text, where they are found, whatever the size.
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(new string('a', 5000))), "file", "big.jsonl" }, { new StringContent("fine-tune"), "purpose" } };
        var error = await AssertErrorAsync(await small.Http.PostAsync("/v1/files", form), HttpStatusCode.RequestEntityTooLarge, "file");
        Assert.Equal("the file is larger than 1000 bytes (0.98 KiB), the most an upload to this service may be",
            error.GetProperty("message").GetString());
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.Tiny.Root, "small-store", "files")));   // nothing half-written
    }

    /// <summary>A job's body over the serving limit said "the request body is too large", not how large it may be.</summary>
    [Fact]
    public async Task AJobBodyOverTheLimitIs413NamingTheLimit()
    {
        using var body = new StringContent($"{{\"model\": \"tiny\", \"metadata\": {{\"a\": \"{new string('x', 16 * 1024 * 1024)}\"}}}}", Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/fine_tuning/jobs") { Content = body };
        // The client sends the body once the server asks for it: the 413 comes at the headers (the Content-Length is
        // over the limit), and a body still being written met the closed connection as a broken pipe (CI, once).
        request.Headers.ExpectContinue = true;
        var error = await AssertErrorAsync(await Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
        Assert.StartsWith("the request body is larger than 15425728 bytes (14.71 MiB), the most this service reads for a request other than a file upload",
            error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AMalformedFormIs400AndLeavesNothingInTheStore()
    {
        string store = Path.Combine(fixture.Tiny.Root, "form-store");
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        const string Purpose = "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n";
        const string FilePart = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ntext,label\na,x\n";
        const string Malformed = "the multipart form is malformed or ends before its closing boundary";
        (string Body, string Param, string Code, string Message)[] cases =
        [
            // A malformed form, or one cut short, carried code null (a tester's finding); its code says to mend the form.
            ("garbage", "file", "invalid_multipart", Malformed),
            (Purpose + FilePart, "file", "invalid_multipart", Malformed),   // cut short in the file
            (Purpose + FilePart + "\r\n" + FilePart + "\r\n--b--\r\n", "file", "invalid_value", "the form has more than one 'file' part"),
            (FilePart + "\r\n" + Purpose.Replace("fine-tune", "batch") + "--b--\r\n", "purpose", "invalid_purpose", "purpose 'batch' is not supported; this service accepts 'fine-tune' files"),
            // curl -F 'file=<a.csv' sends the text as a plain field; it was "the form has no 'file' part".
            (Purpose + "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ntext,label\na,x\n\r\n--b--\r\n", "file", "invalid_type",
                "the form's 'file' is a plain field, not a file upload: send it as a file part with a file name (curl -F 'file=@train.jsonl', with '@', not '<')"),
            // curl -F 'purpose=@p.txt' sends the purpose as a file; it was "the form has no 'purpose' field".
            (FilePart + "\r\n--b\r\nContent-Disposition: form-data; name=\"purpose\"; filename=\"p.txt\"\r\n\r\nfine-tune\r\n--b--\r\n", "purpose", "invalid_type",
                "the form's 'purpose' is a file upload, not a plain field: send it as a field (curl -F purpose=fine-tune, without '@')"),
            // It was "purpose 'assistants' is not supported", the second value judged alone.
            (Purpose + Purpose.Replace("fine-tune", "assistants") + FilePart + "\r\n--b--\r\n", "purpose", "invalid_value", "the form gives 'purpose' twice; give it once"),
            // An empty file was kept, and refused only when a job named it.
            (Purpose + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"empty.jsonl\"\r\n\r\n\r\n--b--\r\n", "file", "invalid_file_format",
                "'empty.jsonl' is empty; a fine-tuning file holds one example per line (chat JSONL), or a header and one per row (CSV, TSV)"),
        ];
        foreach (var (body, param, code, message) in cases)
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
            var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", content), HttpStatusCode.BadRequest, param);
            Assert.Equal(message, error.GetProperty("message").GetString());
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
        // Cut inside a part's headers, the form is refused by the reader itself, in its words.
        using (var cutInHeaders = new ByteArrayContent(Encoding.UTF8.GetBytes(Purpose + "--b\r\nContent-Disp")))
        {
            cutInHeaders.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
            var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", cutInHeaders), HttpStatusCode.BadRequest);
            Assert.StartsWith("the request body cannot be read: ", error.GetProperty("message").GetString());
            Assert.Equal("invalid_multipart", error.GetProperty("code").GetString());
        }
        using (var noBoundary = new ByteArrayContent("garbage"u8.ToArray()))
        {
            noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
            var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", noBoundary), HttpStatusCode.BadRequest, "file");
            Assert.Equal("invalid_multipart", error.GetProperty("code").GetString());
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(store, "files")));   // no half-received bytes
        Assert.Empty((await service.Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").EnumerateArray());
    }

    /// <summary>
    /// A file with no example in it (only a byte-order mark, only blank lines, a CSV or TSV of only its header) was kept as
    /// processed and refused only when a job named it, while a 0-byte file was refused at upload: all are refused at
    /// upload, with the empty file's code, and nothing of them is kept.
    /// </summary>
    [Theory]
    [InlineData("bom.jsonl", "\uFEFF", "'bom.jsonl' holds no text, only a byte-order mark")]
    [InlineData("blanks.jsonl", "\n\n\n", "'blanks.jsonl' holds no text, only blank lines or spaces")]
    [InlineData("bom-blanks.jsonl", "\uFEFF \r\n\t\n", "'bom-blanks.jsonl' holds no text, only a byte-order mark and blank lines or spaces")]
    [InlineData("header.csv", "text,label\n", "'header.csv' holds only its header line and no rows")]
    [InlineData("header.tsv", "\uFEFFtext\tlabel\r\n\r\n  \n", "'header.tsv' holds only its header line and no rows")]
    public async Task AFileWithNoExampleIsRefusedAtUploadAsAnEmptyOneIs(string name, string text, string message)
    {
        string store = Path.Combine(fixture.Tiny.Root, "no-example-store-" + name);
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", name }, { new StringContent("fine-tune"), "purpose" } };

        var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", form), HttpStatusCode.BadRequest, "file");
        Assert.StartsWith(message + "; ", error.GetProperty("message").GetString());
        Assert.Equal("invalid_file_format", error.GetProperty("code").GetString());
        Assert.Empty(Directory.GetFiles(Path.Combine(store, "files")));
    }

    /// <summary>
    /// A file that is not UTF-8 text (random bytes, a UTF-16 file, text with a NUL byte or a stray byte of another encoding)
    /// passed the upload's check, which counted lines holding bytes other than whitespace, and was kept as processed: it
    /// is refused as it streams, naming the first byte that is not text by its offset and line, and nothing is kept.
    /// </summary>
    [Theory]
    [InlineData("random.jsonl", new byte[] { 0x9C, 0x31, 0xF7, 0x0A, 0xFF, 0x00 }, "at byte offset 0 (line 1), 0x9C is not a UTF-8 character")]
    [InlineData("utf16.csv", new byte[] { 0xFF, 0xFE, (byte)'t', 0, (byte)'\n', 0 }, "at byte offset 0 (line 1), 0xFF is not a UTF-8 character")]
    [InlineData("nul.csv", new byte[] { (byte)'t', (byte)',', (byte)'l', 0x0A, (byte)'a', 0x00, (byte)',', (byte)'b', 0x0A }, "at byte offset 5 (line 2), a NUL byte")]
    [InlineData("latin1.jsonl", new byte[] { (byte)'{', 0x0A, 0x0A, (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'"', 0x0A }, "at byte offset 6 (line 3), 0xE9 is not a UTF-8 character")]
    [InlineData("cut.jsonl", new byte[] { (byte)'a', 0x0A, 0xE2, 0x82 }, "at byte offset 2 (line 2), 0xE2 0x82 begin a UTF-8 character that the file ends inside")]
    public async Task AFileThatIsNotUtf8TextIsRefusedAtUploadNamingWhere(string name, byte[] bytes, string where)
    {
        string store = Path.Combine(fixture.Tiny.Root, "not-text-store-" + name);
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name }, { new StringContent("fine-tune"), "purpose" } };

        var error = await AssertErrorAsync(await service.Http.PostAsync("/v1/files", form), HttpStatusCode.BadRequest, "file");
        Assert.Equal($"'{name}' is not UTF-8 text: {where}; a fine-tuning file is UTF-8 text (chat JSONL, CSV or TSV): save it as UTF-8, not as a binary, UTF-16 or other-encoded file",
            error.GetProperty("message").GetString());
        Assert.Equal("invalid_file_format", error.GetProperty("code").GetString());
        Assert.Empty(Directory.GetFiles(Path.Combine(store, "files")));
        Assert.Empty((await service.Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").EnumerateArray());
    }

    /// <summary>A file with a line of text past a byte-order mark and blank lines, or a header and one row, is kept: whether it trains is the job's to say.</summary>
    [Theory]
    [InlineData("one.jsonl", "\uFEFF\n\n{\"messages\": []}")]
    [InlineData("row.csv", "text,label\na,b")]
    [InlineData("row.tsv", "\n\ntext\tlabel\n\nx\ty\n")]
    [InlineData("words.csv", "text,label\ncafé ☕ 東京 😀,x\n")]   // text beyond ASCII is text
    public async Task AFileWithALineOfTextPastItsHeaderIsKept(string name, string text)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", name }, { new StringContent("fine-tune"), "purpose" } };

        using var response = await Http.PostAsync("/v1/files", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("processed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnUploadIsWrittenIntoTheStoreAsItArrives()
    {
        string store = Path.Combine(fixture.Tiny.Root, "stream-store");
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var pipe = new System.IO.Pipelines.Pipe();
        using var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        var response = service.Http.PostAsync("/v1/files", content);

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ntext,label\n" + new string('x', 100_000)));
        // The bytes land under a temporary name in the store's files folder while the rest of the form is still to come.
        string files = Path.Combine(store, "files");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Directory.EnumerateFiles(files, "*.partial").Any() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Single(Directory.GetFiles(files, "*.partial"));
        Assert.False(response.IsCompleted);

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(",x\n\r\n--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--b--\r\n"));
        await pipe.Writer.CompleteAsync();
        var file = await (await response).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(100_014, file.GetProperty("bytes").GetInt64());   // the purpose, sent after the file, was read
        Assert.Equal([Path.Combine(files, file.GetProperty("id").GetString() + ".csv")], Directory.GetFiles(files));
    }
}
