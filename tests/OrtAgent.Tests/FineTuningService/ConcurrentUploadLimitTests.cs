using System.Net.Sockets;
using System.Text;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>--max-store-bytes</c> against uploads received at once: each one's bytes are reserved as they arrive, so two that
/// started while the store had room for either, but not both, cannot both be kept; one is refused 400
/// <c>store_full</c> and nothing of it stays. The uploads are written by hand on sockets, so the test decides when each
/// one's bytes arrive.
/// </summary>
public sealed class ConcurrentUploadLimitTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Fact]
    public async Task TwoUploadsAtOnceThatTogetherPassTheLimitCannotBothBeKept()
    {
        string store = Path.Combine(fixture.Tiny.Root, "concurrent-uploads-store");
        // Measured while a second start runs, so that what is measured is the store as a start that reopens it holds
        // it: the first start makes the database, and a reopening start's own writes log anew in a write-ahead log,
        // as the limited service's open will (a stopped service closes its connections, which removes the log).
        long empty = 0;
        for (int start = 0; start < 2; start++)
            await using (var unlimited = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel))
                empty = StoreSizeLimitTests.DirectoryBytes(store);
        string files = Path.Combine(store, "files");

        // Each fits the limit alone (100 KB of 130 KB); together they do not. Each also reserves room for its row as it
        // starts, which the limit has room for, twice; a refusal measures the store afresh, where the first's row takes less.
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel,
            maxStoreBytes: empty + 130 * 1024 + 2 * OrtAgent.FineTuningService.Store.StoreRoom.RecordAllowance);
        byte[] content = Encoding.ASCII.GetBytes("text,label\n" + new string('x', 100 * 1024) + ",a\n");
        await using var first = await HandWrittenUpload.StartAsync(service.BaseAddress, "first.csv", content);
        await WaitForTemporaryFilesAsync(files, 1);   // the first upload has begun receiving its bytes
        await using var second = await HandWrittenUpload.StartAsync(service.BaseAddress, "second.csv", content);
        await WaitForTemporaryFilesAsync(files, 2);   // and so has the second, with the first's bytes still to come

        await first.SendRestAsync();
        var (firstStatus, firstBody) = await first.ResponseAsync();
        Assert.True(firstStatus == 200, firstBody);
        await second.SendRestAsync();
        var (secondStatus, secondBody) = await second.ResponseAsync();
        Assert.True(secondStatus == 400, secondBody);
        Assert.Contains("\"code\":\"store_full\"", secondBody);

        Assert.Single(Directory.GetFiles(files));   // the first upload, and nothing of the second
    }

    private static async Task WaitForTemporaryFilesAsync(string folder, int count)
    {
        for (int i = 0; i < 3000 && Directory.GetFiles(folder, "*.partial").Length < count; i++) await Task.Delay(10);
        Assert.Equal(count, Directory.GetFiles(folder, "*.partial").Length);
    }

    /// <summary>
    /// A <c>POST /v1/files</c> written on a socket: its headers, its form up to the file's content and the content's
    /// first kilobyte at start, the rest when the test says.
    /// </summary>
    private sealed class HandWrittenUpload : IAsyncDisposable
    {
        private const string Boundary = "upload-boundary";
        private const int FirstBytes = 1024;
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly byte[] _rest;

        private HandWrittenUpload(TcpClient client, byte[] rest)
        {
            _client = client;
            _stream = client.GetStream();
            _rest = rest;
        }

        public static async Task<HandWrittenUpload> StartAsync(Uri server, string filename, byte[] content)
        {
            var head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                + $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\r\n");
            var tail = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");
            byte[] body = [.. head, .. content, .. tail];
            var request = Encoding.ASCII.GetBytes($"POST /v1/files HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {ServiceUnderTest.ApiKey}\r\n"
                + $"Content-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(server.Host, server.Port);
            int first = head.Length + FirstBytes;
            var upload = new HandWrittenUpload(client, body[first..]);
            await upload._stream.WriteAsync(request);
            await upload._stream.WriteAsync(body.AsMemory(0, first));
            return upload;
        }

        public async Task SendRestAsync()
        {
            try
            {
                await _stream.WriteAsync(_rest);
            }
            catch (IOException)
            {
                // A refused upload may be answered before all of it is sent; the answer is read next.
            }
        }

        /// <summary>The status and the body's text (one chunk, as a short JSON answer is sent).</summary>
        public async Task<(int Status, string Text)> ResponseAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var received = new MemoryStream();
            await _stream.CopyToAsync(received, timeout.Token);
            string text = Encoding.UTF8.GetString(received.ToArray());
            int status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
            return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        }

        public ValueTask DisposeAsync()
        {
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
