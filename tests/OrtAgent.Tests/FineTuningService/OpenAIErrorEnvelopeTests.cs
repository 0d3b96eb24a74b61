using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Tests.FineTuningService;

public sealed class OpenAIErrorEnvelopeTests
{
    /// <summary>
    /// The IOException .NET throws on Linux when the disk is full (seen by hand uploading to a store on a 3 MB tmpfs,
    /// where it was a 500 with an empty body) becomes a 507 in the envelope, which the SDKs do not retry.
    /// </summary>
    [UnixFact("errno 28 (ENOSPC) is a Unix error number")]
    public async Task AFullDiskIsA507InTheEnvelope()
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await OpenAIErrorEnvelope.Handle(_ => throw new IOException("No space left on device : '/store/files/file-x.jsonl.partial'", 28))(context);

        Assert.Equal(StatusCodes.Status507InsufficientStorage, context.Response.StatusCode);
        Assert.Equal("false", context.Response.Headers["x-should-retry"].ToString());   // the Node and Python libraries retry every 5xx without it
        context.Response.Body.Position = 0;
        var error = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("error");
        Assert.Equal("insufficient_storage", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("/store", error.GetProperty("message").GetString());   // no server path reaches a client
    }

    /// <summary>
    /// SQLite says a full disk in its own exception (SQLITE_FULL) when the database or its write-ahead log cannot grow:
    /// seen by hand on a tmpfs store with a few KB left, where an upload's bytes fitted and its row did not, and where a
    /// job's creation found no room for its row. Both were a 500 with an empty body.
    /// </summary>
    [Fact]
    public async Task AFullDatabaseIsA507InTheEnvelope()
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await OpenAIErrorEnvelope.Handle(_ => throw new Microsoft.Data.Sqlite.SqliteException("SQLite Error 13: 'database or disk is full'.", 13))(context);

        Assert.Equal(StatusCodes.Status507InsufficientStorage, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var error = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("error");
        Assert.Equal("insufficient_storage", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnotherDatabaseErrorIsNotSaidAsAFullDisk()
    {
        var context = new DefaultHttpContext();

        // SQLITE_CORRUPT (11): a bug or a damaged store, left to the server's own 500 and its log.
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() =>
            OpenAIErrorEnvelope.Handle(_ => throw new Microsoft.Data.Sqlite.SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11))(context));
    }

    /// <summary>
    /// A chat whose text finds the model's prediction queue full is a 429 that the OpenAI libraries retry after a second
    /// (the job queue's 429 says not to, since it stays full for minutes); it was not caught and became a 500.
    /// </summary>
    [Fact]
    public async Task AFullPredictionQueueIsA429TheLibrariesRetry()
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await OpenAIErrorEnvelope.Handle(_ => throw new OrtAgent.Serving.PredictionQueueFullException(4096, 4096, 1))(context);

        Assert.Equal(StatusCodes.Status429TooManyRequests, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.False(context.Response.Headers.ContainsKey("x-should-retry"));
        context.Response.Body.Position = 0;
        var error = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.StartsWith("the prediction queue is full: 4096 texts are waiting", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// OpenAI's Node library (7.55.0) retries a 409 twice unless told not to, as it does a 429 and a 5xx: deleting a file
    /// or a model that a running job uses was sent three times over 1.2 s and refused three times with the same 409.
    /// </summary>
    [Theory]
    [InlineData(StatusCodes.Status409Conflict, "file_in_use")]
    [InlineData(StatusCodes.Status429TooManyRequests, "rate_limit_exceeded")]
    [InlineData(StatusCodes.Status400BadRequest, "invalid_job_state")]
    public async Task ARefusalARetryWouldMeetAgainTellsTheLibrariesNotToRetry(int status, string code)
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await OpenAIErrorEnvelope.Handle(_ => throw new OpenAIApiException(status, "file file-x is used by job ftjob-y, which is running", "file_id", code))(context);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("false", context.Response.Headers["x-should-retry"].ToString());
    }

    /// <summary>A 503 (a model that may load next time, a service stopping) and a 408 (a body sent too slowly) may pass on a retry.</summary>
    [Theory]
    [InlineData(StatusCodes.Status503ServiceUnavailable)]
    [InlineData(StatusCodes.Status408RequestTimeout)]
    public async Task AnAnswerARetryMayChangeLeavesTheLibrariesTheirRetries(int status)
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await OpenAIErrorEnvelope.Handle(_ => throw new OpenAIApiException(status, "model 'ft:x' cannot be loaded: its model.onnx is missing", "model", "model_unavailable", "server_error"))(context);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("x-should-retry"));
    }

    [Fact]
    public async Task AnotherIOExceptionIsNotDressedUpAsAClientError()
    {
        var context = new DefaultHttpContext();

        await Assert.ThrowsAsync<IOException>(() => OpenAIErrorEnvelope.Handle(_ => throw new IOException("Input/output error", 5))(context));
    }
}
