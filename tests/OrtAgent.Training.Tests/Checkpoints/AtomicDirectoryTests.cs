using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>
/// <see cref="AtomicDirectory.Replace"/> under <see cref="DestinationGuard"/>: it replaces what OrtAgent wrote and refuses,
/// moving nothing, anything else.
/// </summary>
public sealed class AtomicDirectoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-atomic-" + Guid.NewGuid().ToString("N"));

    public AtomicDirectoryTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Staging(string text = "new")
    {
        var staging = Path.Combine(_root, "target.tmp-1");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "model.safetensors"), text);
        File.WriteAllText(Path.Combine(staging, "properties.json"), "{}");
        return staging;
    }

    [Fact]
    public void CreatesTheTargetWithAManifestOfEveryFile()
    {
        var target = Path.Combine(_root, "target");

        AtomicDirectory.Replace(Staging(), target, DirectoryLayout.Checkpoint);

        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "model.safetensors")));
        Assert.Equal(["model.safetensors", "properties.json"], WrittenFilesManifest.Read(target)!.Order());
        Assert.Equal(["target"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void ReplacesADirectoryItWrote()
    {
        var target = Path.Combine(_root, "target");
        AtomicDirectory.Replace(Staging("old"), target, DirectoryLayout.Checkpoint);

        AtomicDirectory.Replace(Staging("new"), target, DirectoryLayout.Checkpoint);

        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "model.safetensors")));
        Assert.Equal(["target"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void ReplacesADirectoryAnEarlierVersionWroteWithoutAManifest()
    {
        var target = Path.Combine(_root, "target");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "properties.json"), "{}");
        File.WriteAllText(Path.Combine(target, "model.safetensors"), "old");

        AtomicDirectory.Replace(Staging("new"), target, DirectoryLayout.Checkpoint);

        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "model.safetensors")));
    }

    [Theory]
    [InlineData("thesis.txt")]            // a user's file beside nothing of OrtAgent's
    [InlineData("model.safetensors")]     // a known name, but without the layout's mark (properties.json)
    [InlineData("sub/notes.txt")]         // a user's file one level down
    public void RefusesADirectoryWithFilesOrtAgentDidNotWriteAndMovesNothing(string userFile)
    {
        var target = Path.Combine(_root, "target");
        var path = Path.Combine(target, userFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "keep");
        var staging = Staging();

        var error = Assert.Throws<UserInputException>(() => AtomicDirectory.Replace(staging, target, DirectoryLayout.Checkpoint));

        Assert.StartsWith(target + ": ", error.Message);
        Assert.Equal("keep", File.ReadAllText(path));
        Assert.True(Directory.Exists(staging));
        Assert.Equal(["target", "target.tmp-1"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AUserFileAddedToADirectoryItWroteStopsTheReplacement()
    {
        var target = Path.Combine(_root, "target");
        AtomicDirectory.Replace(Staging("old"), target, DirectoryLayout.Checkpoint);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "keep");

        var error = Assert.Throws<UserInputException>(() => AtomicDirectory.Replace(Staging("new"), target, DirectoryLayout.Checkpoint));

        Assert.Contains("holds files OrtAgent did not write ('notes.txt')", error.Message);
        Assert.Equal("old", File.ReadAllText(Path.Combine(target, "model.safetensors")));
    }

    /// <summary>
    /// Every file listed in the manifest is OrtAgent's, but of another kind: an export over a checkpoint would have
    /// replaced the run's weights, optimizer state and properties with a model, and the run could never be resumed.
    /// </summary>
    [Fact]
    public void RefusesADirectoryItWroteOfAnotherKind()
    {
        var target = Path.Combine(_root, "target");
        AtomicDirectory.Replace(Staging("old"), target, DirectoryLayout.Checkpoint);

        var error = Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable(target, DirectoryLayout.ExportedModel, "--output x"));

        Assert.Equal("--output x: is a training checkpoint ('model.safetensors', 'properties.json'), not an exported OrtAgent model; choose a new or empty directory", error.Message);
        Assert.Equal("old", File.ReadAllText(Path.Combine(target, "model.safetensors")));
        Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable(target, DirectoryLayout.Adapter));
    }

    /// <summary>
    /// A dead writer's temporary of one of the directory's own files is swept, and only once the directory may be
    /// replaced: the sweep ran first and deleted (or renamed) a user's files that looked like temporaries in a folder
    /// it then refused.
    /// </summary>
    [Fact]
    public void SweepsOnlyItsOwnTemporariesAndOnlyInADirectoryItMayReplace()
    {
        int dead = DeadProcessId();
        var users = Path.Combine(_root, "docs");
        Directory.CreateDirectory(users);
        foreach (var name in new[] { "thesis.txt", $"chapter.tmp-{dead}", $"notes.replaced-{dead}", $".explain.onnx.tmp-{dead}" })
            File.WriteAllText(Path.Combine(users, name), "keep");

        Assert.Throws<UserInputException>(() => DestinationGuard.Check(users, DirectoryLayout.ExportedModel));
        Assert.Equal(4, Directory.GetFiles(users).Length);

        var model = Path.Combine(_root, "model");
        var staging = Path.Combine(_root, "model.tmp-1");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "model.onnx"), "m");
        AtomicDirectory.Replace(staging, model, DirectoryLayout.ExportedModel);
        var leftover = Path.Combine(model, $".explain.onnx.tmp-{dead}");
        File.WriteAllText(leftover, "half");

        DestinationGuard.Check(model, DirectoryLayout.ExportedModel);
        Assert.False(File.Exists(leftover));

        // A look-alike further down is a user's file, and a live writer's temporary is its work: either keeps the folder.
        foreach (var kept in new[] { Path.Combine(model, "backup", $"model.onnx.tmp-{dead}"), Path.Combine(model, ".README.md.tmp-1") })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
            File.WriteAllText(kept, "keep");
            Assert.Throws<UserInputException>(() => DestinationGuard.Check(model, DirectoryLayout.ExportedModel));
            Assert.True(File.Exists(kept));
            File.Delete(kept);
        }
    }

    /// <summary>
    /// An ancestor holding a model.onnx and no manifest is asked whether OrtAgent exported it: the whole model, weights
    /// and all, was parsed for that, for every output checked below it. Now only its metadata is read: a model whose
    /// 64 MiB graph no parser takes (zeros, left as a hole in the file) is still known by the ortagent.* entry after it,
    /// and a model.onnx that is no model at all makes its folder no OrtAgent directory, without an error.
    /// </summary>
    [Fact]
    public void AnAncestorsModelIsKnownByItsMetadataWithoutItsGraphBeingRead()
    {
        var exported = Path.Combine(_root, "old-export");
        Directory.CreateDirectory(exported);
        using (var model = File.Create(Path.Combine(exported, "model.onnx")))
        {
            const long graphBytes = 64L << 20;
            model.Write([(7 << 3) | 2, .. Varint(graphBytes)]); // ModelProto.graph, length-delimited
            model.Seek(graphBytes, SeekOrigin.Current);
            byte[] key = "ortagent.labels"u8.ToArray(), value = "[]"u8.ToArray();
            byte[] entry = [(1 << 3) | 2, .. Varint(key.Length), .. key, (2 << 3) | 2, .. Varint(value.Length), .. value];
            model.Write([(14 << 3) | 2, .. Varint(entry.Length), .. entry]); // ModelProto.metadata_props
        }

        var error = Assert.Throws<UserInputException>(() => DestinationGuard.EnsureOutsideOrtAgentDirectories(Path.Combine(exported, "sub"), "--output x"));
        Assert.Equal($"--output x: is inside {exported}, an exported OrtAgent model; choose a folder outside it", error.Message);

        var users = Path.Combine(_root, "users");
        Directory.CreateDirectory(users);
        File.WriteAllBytes(Path.Combine(users, "model.onnx"), [(7 << 3) | 2, .. Varint(1L << 40)]); // a graph that runs past the end
        DestinationGuard.EnsureOutsideOrtAgentDirectories(Path.Combine(users, "sub"));
    }

    /// <summary>
    /// A FIFO named model.onnx (or the written-files manifest) in an ancestor made the check open it, which waits for a
    /// writer that never comes: the output was never created. Files with no bytes are passed over unopened.
    /// </summary>
    [Theory]
    [InlineData("model.onnx")]
    [InlineData(WrittenFilesManifest.FileName)]
    public async Task AFifoInAnAncestorIsPassedOverWithoutBeingOpened(string name)
    {
        var ancestor = Path.Combine(_root, "pipes");
        Directory.CreateDirectory(ancestor);
        var fifo = Path.Combine(ancestor, name);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)!) mkfifo.WaitForExit();
        Assert.True(File.Exists(fifo));

        var check = Task.Run(() => DestinationGuard.EnsureOutsideOrtAgentDirectories(Path.Combine(ancestor, "sub")));
        bool finished = await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(10))) == check;
        if (!finished)
        {
            // Release the blocked open (a writer arrives), so the failing test leaves no thread behind.
            using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        }
        Assert.True(finished, "the check waited on the FIFO");
        await check;
    }

    private static byte[] Varint(long value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value & 0x7f | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true"))!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void RefusesTheCurrentDirectoryEvenWhenEmpty()
    {
        var error = Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable(Environment.CurrentDirectory, DirectoryLayout.ExportedModel, "--output ."));

        Assert.Equal("--output .: is the current directory; OrtAgent never replaces it", error.Message);
    }

    [Fact]
    public void RefusesTheRootAndAnAncestorOfTheCurrentDirectory()
    {
        Assert.Contains("the root of the file system", Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable("/", DirectoryLayout.ExportedModel)).Message);
        var parent = Path.GetDirectoryName(Environment.CurrentDirectory)!;
        Assert.Contains("an ancestor of the current directory", Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable(parent, DirectoryLayout.ExportedModel)).Message);
    }

    [UnixFact("Unix file modes"), System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void KeepsTheReplacedDirectorysMode()
    {
        var target = Path.Combine(_root, "target");
        AtomicDirectory.Replace(Staging("old"), target, DirectoryLayout.Checkpoint);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        AtomicDirectory.Replace(Staging("new"), target, DirectoryLayout.Checkpoint);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(target));
    }
}
