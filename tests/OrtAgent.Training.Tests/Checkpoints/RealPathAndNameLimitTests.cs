using System.Text;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>Where a path with links really leads, and the stems OrtAgent derives from names near the length limit.</summary>
public sealed class RealPathAndNameLimitTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-realpath-" + Guid.NewGuid().ToString("N"));

    public RealPathAndNameLimitTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// '..' in what the user typed goes by name, as .NET opens it; a link later in the path is followed, and a '..' that
    /// a link's own target holds climbs from where the link leads.
    /// </summary>
    [Fact]
    public void LinksAreFollowedAndDotDotGoesByNameAsDotNetOpensThePath()
    {
        var model = Directory.CreateDirectory(Path.Combine(_root, "models", "m", "sub")).Parent!.FullName;
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), Path.Combine(model, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "elsewhere", "up"), "../models/m");

        Assert.Equal(Path.Combine(model, "sub", "out.csv"), RealPath.Of(Path.Combine(_root, "link", "out.csv")));
        Assert.True(RealPath.IsWithin(Path.Combine(_root, "link", "out.csv"), model));
        // Typed '..' after the link resolves by name: link/.. is the root, not the model.
        Assert.Equal(Path.Combine(_root, "out.csv"), RealPath.Of(Path.Combine(_root, "link", "..", "out.csv")));
        Assert.False(RealPath.IsWithin(Path.Combine(_root, "link", "..", "out.csv"), model));
        // A relative target with '..' is read from the link's folder.
        Assert.Equal(Path.Combine(model, "x"), RealPath.Of(Path.Combine(_root, "elsewhere", "up", "x")));
        Assert.False(RealPath.IsWithin(Path.Combine(_root, "models", "m2"), model));
    }

    /// <summary>Two directories overlap when they are one, or either holds the other, however the pair is ordered or linked.</summary>
    [Fact]
    public void DirectoriesOverlapWhenOneHoldsTheOtherInEitherOrder()
    {
        var model = Directory.CreateDirectory(Path.Combine(_root, "models", "m")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), model);

        Assert.True(RealPath.Overlap(model, model));
        Assert.True(RealPath.Overlap(Path.Combine(model, "sub"), model));
        Assert.True(RealPath.Overlap(model, Path.Combine(model, "sub")));
        Assert.True(RealPath.Overlap(Path.Combine(_root, "link"), Path.Combine(_root, "models")));
        Assert.False(RealPath.Overlap(Path.Combine(_root, "models", "m2"), model));
        Assert.False(RealPath.Overlap(model, Path.Combine(_root, "models", "m2")));
    }

    /// <summary>
    /// A stem never cuts a character in two (a UTF-8 sequence cut short is no valid name), fits with its decoration,
    /// is the same in every call, and differs for two long names that share their beginning.
    /// </summary>
    [Theory]
    [InlineData("é")]
    [InlineData("日")]
    [InlineData("😀")]
    [InlineData("x")]
    public void StemsOfLongNamesCutWholeCharactersAndFit(string character)
    {
        var name = string.Concat(Enumerable.Repeat(character, 300));
        const int Decoration = 25;   // ".tmp-" and a 20-digit process id

        var stem = FileNameLimit.Stem(name, Decoration);

        Assert.True(Encoding.UTF8.GetByteCount(stem) + Decoration <= FileNameLimit.MaxBytes, stem);
        Assert.Matches("~[0-9a-f]{16}$", stem);
        Assert.StartsWith(stem[..stem.LastIndexOf('~')], name, StringComparison.Ordinal);
        Assert.Equal(stem, FileNameLimit.Stem(name, Decoration));
        Assert.NotEqual(stem, FileNameLimit.Stem(name + "y", Decoration));
        Assert.Equal("short", FileNameLimit.Stem("short", Decoration));
    }
}
