using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// The ortagent command lines the READMEs show name only commands and options that exist: every line of a shell
/// block (<c>```bash</c> or unlabelled) run as <c>ortagent …</c>, <c>dotnet run --project src/OrtAgent … -- …</c> or
/// <c>dotnet …/ortagent.dll …</c>, parsed by the CLI's own command tree, and every inline synopsis <c>`ortagent …`</c>,
/// whose options are checked against the command it names (its brackets, '|' and '…' are notation).
/// </summary>
public sealed partial class ReadmeCommandLinesTests
{
    private static readonly Lazy<Task<RootCommand>> Root = new(CaptureRootCommandAsync);

    public static TheoryData<string> ReadmesWithCommandLines() =>
        [.. MarkdownCodeBlock.ReadmeFiles(IsolatedChildProcess.RepositoryRoot)
            .Where(file => CommandLines(file, File.ReadAllLines(Path.Combine(IsolatedChildProcess.RepositoryRoot, file))).Any())];

    [Theory]
    [MemberData(nameof(ReadmesWithCommandLines))]
    public async Task NamesOnlyCommandsAndOptionsTheCliHas(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(IsolatedChildProcess.RepositoryRoot, file));

        var problems = Problems(await Root.Value, CommandLines(file, lines));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The guard itself: misspelt options and commands, in a block and in a synopsis, are reported at their lines.</summary>
    [Fact]
    public async Task AMisspeltOptionOrCommandIsReportedAtItsLine()
    {
        string[] markdown = [
            "Train with `ortagent train --data FILE [--epoch 3 | --lr 1e-4]…`.",
            "```bash",
            "ortagent predict --model models/reviews --input big.csv -- \"--not-an-option, a text\"   # --nor-this",
            "ortagent predict --modle models/reviews \"works great\" | head -n 3 > --not-this",
            "dotnet run --project src/OrtAgent -c Release -- export --checkpoint a \\",
            "    --output m --quantise int8",
            "ortagent modles list",
            "dotnet src/OrtAgent/bin/Release/net10.0/ortagent.dll --models-root m models list --json",
            "```",
        ];

        var problems = Problems(await Root.Value, CommandLines("README.md", markdown));

        Assert.Equal([
            "README.md:1: --epoch is not an option of 'ortagent train'",
            "README.md:4: --modle is not an option of 'ortagent predict'",
            "README.md:5: --quantise is not an option of 'ortagent export'",
            "README.md:7: 'ortagent' has no command or argument 'modles', 'list'",
            "README.md:8: --json is not an option of 'ortagent models list'",
        ], problems);
    }

    private sealed record CommandLine(string File, int Line, string[] Args, bool IsSynopsis);

    private static List<string> Problems(RootCommand root, IEnumerable<CommandLine> commandLines)
    {
        var problems = new List<string>();
        foreach (var commandLine in commandLines.OrderBy(c => c.Line))
        {
            var parse = root.Parse(commandLine.Args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            var command = parse.CommandResult.Command;
            var options = command.Options.Concat(Ancestors(command).SelectMany(c => c.Options.Where(o => o.Recursive)))
                .SelectMany(option => option.Aliases.Append(option.Name))
                .ToHashSet(StringComparer.Ordinal);
            var unknown = commandLine.Args.TakeWhile(a => a != "--").Where(a => a.Length > 1 && a[0] == '-')
                .Select(word => word.Split('=')[0]).Where(option => !options.Contains(option)).ToList();
            foreach (var option in unknown)
                problems.Add($"{commandLine.File}:{commandLine.Line}: {option} is not an option of '{CommandPath(command)}'");
            // An unknown option's value is left unmatched too: the option is the mistake to name. A synopsis's
            // placeholders (KEY | ORTAGENT_API_KEYS=k1,k2) are not arguments; a block's words are.
            if (unknown.Count == 0 && !commandLine.IsSynopsis && parse.UnmatchedTokens.Count > 0)
                problems.Add($"{commandLine.File}:{commandLine.Line}: '{CommandPath(command)}' has no command or argument {string.Join(", ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}");
        }
        return problems;
    }

    /// <summary>The ortagent command lines of a README: its shell blocks' lines, then its inline synopses.</summary>
    private static IEnumerable<CommandLine> CommandLines(string file, string[] lines)
    {
        var blocks = MarkdownCodeBlock.Parse(file, lines).ToList();
        foreach (var block in blocks.Where(b => b.Language is "bash" or "sh" or ""))
        {
            for (int i = 0; i < block.Lines.Count; i++)
            {
                int line = block.FirstLine + i;
                var text = block.Lines[i];
                while (text.EndsWith('\\') && i + 1 < block.Lines.Count) text = $"{text[..^1]} {block.Lines[++i]}";
                if (OrtAgentArguments(ShellWords(text)) is { } args) yield return new(file, line, args, IsSynopsis: false);
            }
        }

        // Code spans may run over line breaks; the fenced lines are blanked so that line numbers stay.
        var prose = lines.Select((text, i) => blocks.Any(b => i + 1 >= b.FirstLine - 1 && i + 1 <= b.ClosingLine) ? "" : text);
        var joined = string.Join('\n', prose);
        foreach (Match span in CodeSpan().Matches(joined))
        {
            var words = ShellWords(SynopsisNotation().Replace(span.Groups["code"].Value, " "));
            if (words is ["ortagent", .. var args])
                yield return new(file, joined.AsSpan(0, span.Index).Count('\n') + 1, [.. args], IsSynopsis: true);
        }
    }

    /// <summary>The arguments ortagent gets from a command line that runs it, or null for any other command line.</summary>
    private static string[]? OrtAgentArguments(List<string> words) => words switch
    {
        ["ortagent", .. var args] => [.. args],
        ["dotnet", var dll, .. var args] when dll.EndsWith("ortagent.dll", StringComparison.Ordinal) => [.. args],
        ["dotnet", "run", ..] when RunsTheCli(words) => [.. words.SkipWhile(w => w != "--").Skip(1)],
        _ => null,
    };

    private static bool RunsTheCli(List<string> words) =>
        words.TakeWhile(w => w != "--").Zip(words.Skip(1)).Any(pair => pair is ("--project", "src/OrtAgent" or "src/OrtAgent/"));

    /// <summary>
    /// The words of a simple shell command as bash would split them: quotes group and are removed, a backslash
    /// escapes, a word beginning with '#' starts a comment, and the command ends at an unquoted '|', '&amp;', ';', '&lt;' or '&gt;'.
    /// </summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length) word.Append(line[++i]);
                else word.Append(c);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else if (c is '|' or '&' or ';' or '<' or '>' || (c == '#' && !inWord))
            {
                // The digits of a redirection (2>&1) are not a word.
                if (c is '<' or '>' && word.ToString().All(char.IsAsciiDigit)) inWord = false;
                break;
            }
            else
            {
                inWord = true;
                if (c is '\'' or '"') quote = c;
                else word.Append(c == '\\' && i + 1 < line.Length ? line[++i] : c);
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    private static IEnumerable<Command> Ancestors(Command command) =>
        command.Parents.OfType<Command>().FirstOrDefault() is { } parent ? Ancestors(parent).Prepend(parent) : [];

    private static string CommandPath(Command command) =>
        string.Join(' ', Ancestors(command).Reverse().Append(command).Skip(1).Select(c => c.Name).Prepend("ortagent"));

    /// <summary>The command tree ortagent parses with, as its host composes it (the root is resolved once, for --help).</summary>
    private static async Task<RootCommand> CaptureRootCommandAsync()
    {
        OrtAgentRootCommand? root = null;
        var run = await CliRun.RunAsync(["--help"], configureServices: services =>
            services.AddSingleton(provider => root = ActivatorUtilities.CreateInstance<OrtAgentRootCommand>(provider)));
        Assert.True(run.ExitCode == 0 && root is not null, run.ToString());
        return root;
    }

    [GeneratedRegex("(?<!`)`(?<code>[^`]+)`(?!`)")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"[\[\]|…]")]
    private static partial Regex SynopsisNotation();
}
