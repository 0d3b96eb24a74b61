using Microsoft.Extensions.Configuration;
using OrtAgent.Cli;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>Environment variables are process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(ConfigurationTests), DisableParallelization = true)]
public sealed class ConfigurationTestsCollection;

[Collection(nameof(ConfigurationTests))]
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", null);
        _temp.Dispose();
    }

    [Fact]
    public void ALogLevelThatNamesNoLevelIsOneErrorLine()
    {
        // A child process: the variable would reach every in-process test's logging.
        using var child = new IsolatedChildProcess();
        child.Environment["ORTAGENT_Logging__LogLevel__Default"] = "abc";

        var run = child.Run("models", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: configuration Logging:LogLevel:Default = 'abc' (set by ORTAGENT_Logging__LogLevel__Default): "
            + "expected one of Trace, Debug, Information, Warning, Error, Critical, None", run.Error.TrimEnd('\n'));
    }

    /// <summary>
    /// A settings file beside the program that is not JSON turned every command, --help and --version too, into an
    /// internal error (exit 1); a root set to what names no folder was replaced by the default without a word. Both are
    /// one line naming the file (and where it broke, or the key), which the command line exits 2 on.
    /// </summary>
    [Theory]
    [InlineData("""{ "Models": { "Root": "models" }, """, "not valid JSON: it ends before the JSON value is complete (at line 2, byte 0)")]
    [InlineData("""{ "Models": { "Root": ["a"] } }""", "Models:Root is an array, which names no folder; set it to a path, or remove it for the default")]
    [InlineData("""{ "artifacts": { "root": "" } }""", "Artifacts:Root is \"\", which names no folder; set it to a path, or remove it for the default")]
    public void ASettingsFileThatIsNotJsonOrSetsARootToNoFolderIsRefusedNamingTheFile(string content, string problem)
    {
        var settings = _temp.Combine("appsettings.json");
        File.WriteAllText(settings, content + "\n");

        var refused = Assert.Throws<UserInputException>(() => AppSettingsFile.Check(settings));

        Assert.Equal($"{settings}: {problem}", refused.Message);
    }

    /// <summary>
    /// A variable set but empty was taken as unset: <c>ORTAGENT_MODELS__ROOT=</c> used ./models without a word, where the
    /// same value in appsettings.json is refused. It is one line naming the variable as it was spelt, before any command runs.
    /// </summary>
    [Theory]
    [InlineData("ORTAGENT_MODELS__ROOT", "", "is set but empty, which names no folder; set it to a path, or unset it for the default")]
    [InlineData("ORTAGENT_Artifacts__Root", " ", "is set to ' ', which names no folder; set it to a path, or unset it for the default")]
    public void AVariableSetButEmptyIsRefusedNamingIt(string variable, string value, string problem)
    {
        using var child = new IsolatedChildProcess();
        child.Environment[variable] = value;

        var run = child.Run("models", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {variable} {problem}", run.Error.TrimEnd('\n'));
        Assert.Equal("", run.Output);
    }

    /// <summary>What the configuration reads as the shipped file does: comments, trailing commas, other keys.</summary>
    [Fact]
    public void ASettingsFileAsTheConfigurationReadsItPasses()
    {
        var settings = _temp.Combine("appsettings.json");
        File.WriteAllText(settings, """{ /* roots */ "Models": { "Root": "m" }, "Artifacts": { "Root": "a", }, "Logging": { "LogLevel": { "Default": "Warning" } } }""");

        AppSettingsFile.Check(settings);
    }

    /// <summary>The message said "(appsettings.json, or ORTAGENT_…)" whoever set the level; it names the file that did, by its path.</summary>
    [Fact]
    public void ALogLevelThatNamesNoLevelInTheSettingsFileNamesTheFile()
    {
        var settings = _temp.Combine("appsettings.json");
        File.WriteAllText(settings, """{ "Logging": { "LogLevel": { "Default": "Warning", "Microsoft.Hosting": "loud" } } }""");
        var configuration = new ConfigurationBuilder().SetBasePath(_temp.Path).AddJsonFile("appsettings.json").Build();

        var mistake = CliApp.UnknownLogLevel(configuration);

        Assert.Equal($"configuration Logging:LogLevel:Microsoft.Hosting = 'loud' (set in {settings}): "
            + "expected one of Trace, Debug, Information, Warning, Error, Critical, None", mistake?.Message);
    }

    /// <summary>
    /// A bad log level and a command line the parser refuses: the parse error is the one line, as it is what the user
    /// just typed, and the command that would log never starts.
    /// </summary>
    [Theory]
    [InlineData("train", "--log-level", "nosuch")]
    [InlineData("train", "--Logging:LogLevel:Default=nosuch")]
    public void AParseErrorIsReportedBeforeALogLevelThatNamesNoLevel(params string[] args)
    {
        using var child = new IsolatedChildProcess();
        child.Environment["ORTAGENT_Logging__LogLevel__Default"] = "abc";

        var run = child.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {args[1].Split('=', ':')[0]}: not an option of train; see 'ortagent train --help'", run.Error.TrimEnd('\n'));
    }

    /// <summary>
    /// A German locale made the command-line parser read '1.5' as 15 and '0.1' as 1 (its number format), so a learning
    /// rate or dropout meant one thing on one machine and another elsewhere.
    /// </summary>
    [Theory]
    [InlineData("de_DE.UTF-8")]
    [InlineData("fr_FR.UTF-8")]
    public void NumbersOnTheCommandLineReadTheSameUnderAnyLocale(string locale)
    {
        using var child = new IsolatedChildProcess();
        child.Environment["LANG"] = locale;
        child.Environment["LC_ALL"] = locale;

        var run = child.Run("artifacts", "--output", _temp.Combine("a"), "--dropout", "1.5");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --dropout 1.5: must be at least 0 and below 1", run.Error.TrimEnd('\n'));
    }

    /// <summary>
    /// A root variable set but empty, or a settings file beside the program that is not JSON, refused --help and
    /// --version too (one error line, exit 2), where a log level that names no level let them through: a user could not
    /// ask what to set. Every mistake now lets them answer, at the top and for a command, and the command that runs is
    /// refused in its one line.
    /// </summary>
    [Theory]
    [InlineData("variable")]
    [InlineData("settings file")]
    [InlineData("log level")]
    public void AConfigurationMistakeLetsHelpAndVersionAnswerAndRefusesTheCommand(string mistake)
    {
        using var child = new IsolatedChildProcess(mistake == "settings file" ? ProgramBesideSettings("""{ "Models": { "Root": "m" """) : null);
        if (mistake == "variable") child.Environment["ORTAGENT_MODELS__ROOT"] = "";
        if (mistake == "log level") child.Environment["ORTAGENT_Logging__LogLevel__Default"] = "abc";

        string[][] commandLines = [["--help"], ["--version"], ["models", "--help"], ["models", "list", "--help"], ["train", "-h"]];
        foreach (var args in commandLines)
        {
            var answered = child.Run(args);

            Assert.True(answered.ExitCode == 0 && answered.Error == "" && answered.Output.Trim() != "", $"{string.Join(' ', args)}: {answered}");
        }
        var run = child.Run("models", "list");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith(mistake switch
        {
            "variable" => "error: ORTAGENT_MODELS__ROOT is set but empty",
            "settings file" => $"error: {Path.Combine(Path.GetDirectoryName(child.AssemblyPath)!, "appsettings.json")}: not valid JSON",
            _ => "error: configuration Logging:LogLevel:Default = 'abc'",
        }, Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Output);
    }

    /// <summary>
    /// ortagent as built, but with <paramref name="settings"/> as the appsettings.json beside it: the program's own files
    /// copied (the host takes the program's folder from the real path of the .dll it runs), the rest linked.
    /// </summary>
    private string ProgramBesideSettings(string settings)
    {
        var built = Path.GetDirectoryName(IsolatedChildProcess.CliAssemblyPath)!;
        var program = Directory.CreateDirectory(_temp.Combine("program")).FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(built))
        {
            var name = Path.GetFileName(entry);
            var copy = Path.Combine(program, name);
            if (name == "appsettings.json") continue;
            if (name.StartsWith("ortagent.", StringComparison.Ordinal)) File.Copy(entry, copy);
            else if (Directory.Exists(entry)) Directory.CreateSymbolicLink(copy, entry);
            else File.CreateSymbolicLink(copy, entry);
        }
        File.WriteAllText(Path.Combine(program, "appsettings.json"), settings);
        return Path.Combine(program, "ortagent.dll");
    }

    /// <summary>The bad level also refused --version and --help, which log nothing: a user could not even ask what to set.</summary>
    [Theory]
    [InlineData("--version")]
    [InlineData("--help")]
    [InlineData("train", "--help")]
    public void ALogLevelThatNamesNoLevelDoesNotBlockVersionOrHelp(params string[] args)
    {
        using var child = new IsolatedChildProcess();
        child.Environment["ORTAGENT_Logging__LogLevel__Default"] = "abc";

        var run = child.Run(args);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        Assert.NotEqual("", run.Output.Trim());
    }

    [Fact]
    public async Task ModelsRootComesFromTheEnvironment()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", _temp.Combine("from-env"));

        var run = await CliRun.RunAsync(["models", "list"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(_temp.Combine("from-env", "base", "minilm"), run.Output);
    }

    [Fact]
    public async Task ModelsRootOnTheCommandLineBeatsTheEnvironment()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", _temp.Combine("from-env"));

        var run = await CliRun.RunAsync(["models", "list", "--models-root", _temp.Combine("from-args")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(_temp.Combine("from-args", "base", "minilm"), run.Output);
        Assert.DoesNotContain("from-env", run.Output);
    }
}
