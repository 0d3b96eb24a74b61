using System.Runtime.InteropServices;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>Tests that read the process's native stderr, which every other test's ONNX Runtime run could write to: run alone.</summary>
[CollectionDefinition(nameof(NativeStderrCollection), DisableParallelization = true)]
public sealed class NativeStderrCollection;

/// <summary>
/// The checks <see cref="TextClassifier.Load"/> makes by running the model report their failure as the library's own
/// exception, and only that: ONNX Runtime printed its red <c>[E:onnxruntime:…]</c> line to the host's stderr first.
/// </summary>
[Collection(nameof(NativeStderrCollection))]
public sealed class LoadProbeLoggingTests : IDisposable
{
    private readonly TempDirectory _directory = new("probe-logging");

    public LoadProbeLoggingTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    public void Dispose() => _directory.Dispose();

    [UnixFact("reads file descriptor 2 through libc")]
    public void AVocabularyThatFailsTheModelIsReportedByTheExceptionAlone()
    {
        // Another model's vocab.txt: the model records no table size, so its last id is run through the model.
        File.AppendAllLines(_directory.Combine("vocab.txt"), Enumerable.Range(0, 40).Select(i => $"extra{i}"));

        var stderr = NativeStderr.Capture(() => Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path)));

        Assert.DoesNotContain("onnxruntime", stderr);
    }

    /// <summary>Points file descriptor 2 at a file while an action runs, where ONNX Runtime's logger writes.</summary>
    private static class NativeStderr
    {
        public static string Capture(Action action)
        {
            var path = Path.GetTempFileName();
            int saved = Dup(2);
            try
            {
                using (var file = File.OpenWrite(path))
                {
                    if (Dup2((int)file.SafeFileHandle.DangerousGetHandle(), 2) < 0) throw new IOException("dup2 failed");
                    try
                    {
                        action();
                    }
                    finally
                    {
                        Dup2(saved, 2);
                    }
                }
                return File.ReadAllText(path);
            }
            finally
            {
                Close(saved);
                File.Delete(path);
            }
        }

        [DllImport("libc", EntryPoint = "dup")]
        private static extern int Dup(int fd);

        [DllImport("libc", EntryPoint = "dup2")]
        private static extern int Dup2(int from, int to);

        [DllImport("libc", EntryPoint = "close")]
        private static extern int Close(int fd);
    }
}
