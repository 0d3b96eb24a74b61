using System.Text.Json.Nodes;
using OrtAgent.Tests.Commands;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>start_fine_tuning</c> over stdio given a path that is not a regular file. A named pipe was opened and the call
/// waited for a writer: it was never answered, a <c>notifications/cancelled</c> changed nothing, and closing stdin no
/// longer stopped the server; a directory was "file not found". Each is an error result at once, naming what the path
/// is, and the server goes on answering and exits when its client closes stdin.
/// </summary>
public sealed class McpTrainingFilePathTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    [LinuxFact("statx tells a FIFO from a regular file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task OverStdioAPathThatIsNotARegularFileIsAnErrorResultAndTheServerStillAnswersAndExits()
    {
        string store = Path.Combine(_tiny.Root, "stdio-store");
        string examples = _tiny.WriteChatJsonl("local.jsonl", 40, seed: 3);
        using var fifo = NotARegularFile.Create(Path.Combine(_tiny.Root, "pipe.jsonl"), NotARegularFile.Fifo);
        using var folder = NotARegularFile.Create(Path.Combine(_tiny.Root, "folder.jsonl"), NotARegularFile.Directory);
        using var process = OrtAgentMcpProcess.StartBare("--fine-tuning", "--store", store, "--base-model", $"tiny={_tiny.BaseModel}");
        var stderr = process.StandardError.ReadToEndAsync();
        // Bounded: the build before never answered the first call.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await JsonRpcLines.HandshakeAsync(process, timeout.Token);

            var calls = new (string Argument, NotARegularFile Path, JsonObject Arguments)[]
            {
                ("training_file", fifo, new() { ["training_file"] = fifo.Path, ["model"] = "tiny" }),
                ("training_file", folder, new() { ["training_file"] = folder.Path, ["model"] = "tiny" }),
                // After the training file was copied into the store: the copy goes again.
                ("validation_file", fifo, new() { ["training_file"] = examples, ["validation_file"] = fifo.Path, ["model"] = "tiny" }),
            };
            for (int i = 0; i < calls.Length; i++)
            {
                await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(10 + i, "start_fine_tuning", calls[i].Arguments));
                using var answer = await JsonRpcLines.ReceiveAsync(process, timeout.Token);
                Assert.Equal(10 + i, answer.RootElement.GetProperty("id").GetInt32());
                var result = answer.RootElement.GetProperty("result");
                Assert.True(result.GetProperty("isError").GetBoolean());
                Assert.Equal($"'{calls[i].Argument}': {calls[i].Path.Refusal}", result.GetProperty("content")[0].GetProperty("text").GetString());
            }

            await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(20, "list_fine_tuning_jobs", []));
            using (var listed = await JsonRpcLines.ReceiveAsync(process, timeout.Token))
                Assert.Empty(listed.RootElement.GetProperty("result").GetProperty("structuredContent").GetProperty("jobs").EnumerateArray());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "files")));

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.DoesNotContain("   at ", await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
