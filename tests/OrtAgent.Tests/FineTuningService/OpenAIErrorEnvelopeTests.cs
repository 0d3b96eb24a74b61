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

    [Fact]
    public async Task AnotherIOExceptionIsNotDressedUpAsAClientError()
    {
        var context = new DefaultHttpContext();

        await Assert.ThrowsAsync<IOException>(() => OpenAIErrorEnvelope.Handle(_ => throw new IOException("Input/output error", 5))(context));
    }
}
