using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// The ortagent command lines the READMEs show name only commands and options that exist, parsed by the CLI's own
/// command tree: every simple command of a shell block (<c>```bash</c> or unlabelled), each part of a '&amp;&amp;', ';' or '|'
/// chain, that runs <c>ortagent …</c>, <c>dotnet run --project src/OrtAgent … -- …</c> or <c>dotnet …/ortagent.dll …</c>
/// (also behind variable assignments, <c>env</c>, <c>timeout N</c>, <c>nohup</c>); the <c>"command"</c> and
/// <c>"args"</c> of an MCP client's configuration in a JSON block; and every inline synopsis <c>`ortagent …`</c>,
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

    /// <summary>
    /// The guard for ortagent run behind something else, in a chain, or by an MCP client: a misspelt option there is
    /// reported at its line too, and what other programs get, a function definition and another server are not.
    /// </summary>
    [Fact]
    public async Task AMisspeltOptionBehindALauncherInAChainOrInAnMcpConfigurationIsReportedAtItsLine()
    {
        string[] markdown = [
            "```bash",
            "ORTAGENT_CRASH_AT=swap:2 ortagent train --dat a.csv",
            "timeout -s KILL 5 dotnet run --project ./src/OrtAgent/ -- predict --modle m \"a text\"",
            "cd /srv && env -u X DOTNET_gcServer=0 nohup /opt/ortagent/ortagent serve --model m --max-batchs 8 > serve.log 2>&1 &",
            "ortagent models list; sleep 1 | ortagent models pull minilm --forse | tee pull.log",
            "dotnet exec ortagent.dll eval --model m --data d.csv 2>&1 | grep -v --no-such-ortagent-option",
            "ortagent() { dotnet run --project src/OrtAgent -- \"$@\"; }",
            "```",
            "```json",
            "{\"mcpServers\": {\"ortagent\": {",
            "  \"command\": \"dotnet\",",
            "  \"args\": [\"/home/me/ortagent/ortagent.dll\", \"mcp\", \"--modle\", \"/m\"]},",
            " \"other\": {\"command\": \"node\", \"args\": [\"--modle\"]}}}",
            "```",
            "```json",
            "{\"command\": \"ortagent\", \"args\": [\"mcp\", …]}",
            "```",
        ];

        var problems = Problems(await Root.Value, CommandLines("README.md", markdown));

        Assert.Equal([
            "README.md:2: --dat is not an option of 'ortagent train'",
            "README.md:3: --modle is not an option of 'ortagent predict'",
            "README.md:4: --max-batchs is not an option of 'ortagent serve'",
            "README.md:5: --forse is not an option of 'ortagent models pull'",
            "README.md:11: --modle is not an option of 'ortagent mcp'",
        ], problems.SkipLast(1));
        Assert.StartsWith("README.md:16: the json block does not parse", problems[^1]);
    }

    /// <summary>An ortagent command line a README shows, or (<paramref name="Unreadable"/>) why one it may show could not be read.</summary>
    private sealed record CommandLine(string File, int Line, string[] Args, bool IsSynopsis, string? Unreadable = null);

    private static List<string> Problems(RootCommand root, IEnumerable<CommandLine> commandLines)
    {
        var problems = new List<string>();
        foreach (var commandLine in commandLines.OrderBy(c => c.Line))
        {
            if (commandLine.Unreadable is { } why)
            {
                problems.Add($"{commandLine.File}:{commandLine.Line}: {why}");
                continue;
            }
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

    /// <summary>
    /// The ortagent command lines of a README: each simple command of its shell blocks' lines (every part of a
    /// '&amp;&amp;', ';' or '|' chain), the programs its JSON blocks configure an MCP client to start, then its inline synopses.
    /// </summary>
    private static IEnumerable<CommandLine> CommandLines(string file, string[] lines)
    {
        var blocks = MarkdownCodeBlock.Parse(file, lines).ToList();
        foreach (var block in blocks)
        {
            var commandLines = block.Language switch
            {
                "bash" or "sh" or "" => ShellCommandLines(block),
                "json" or "jsonc" => McpClientCommandLines(block),
                _ => [],
            };
            foreach (var commandLine in commandLines) yield return commandLine;
        }

        // Code spans may run over line breaks; the fenced lines are blanked so that line numbers stay.
        var prose = lines.Select((text, i) => blocks.Any(b => i + 1 >= b.FirstLine - 1 && i + 1 <= b.ClosingLine) ? "" : text);
        var joined = string.Join('\n', prose);
        foreach (Match span in CodeSpan().Matches(joined))
        {
            foreach (var command in ShellSimpleCommands.Split(SynopsisNotation().Replace(span.Groups["code"].Value, " ")))
            {
                if (OrtAgentArguments(command) is { } args)
                    yield return new(file, joined.AsSpan(0, span.Index).Count('\n') + 1, args, IsSynopsis: true);
            }
        }
    }

    private static IEnumerable<CommandLine> ShellCommandLines(MarkdownCodeBlock block)
    {
        for (int i = 0; i < block.Lines.Count; i++)
        {
            int line = block.FirstLine + i;
            var text = block.Lines[i];
            while (text.EndsWith('\\') && i + 1 < block.Lines.Count) text = $"{text[..^1]} {block.Lines[++i]}";
            foreach (var command in ShellSimpleCommands.Split(text))
            {
                if (OrtAgentArguments(command) is { } args) yield return new(block.File, line, args, IsSynopsis: false);
            }
        }
    }

    /// <summary>
    /// What an MCP client's configuration (<c>{"command": "dotnet", "args": [".../ortagent.dll", "mcp", …]}</c>, under
    /// any key) starts, at the line of its "command". A block that does not parse yet names a "command" is reported,
    /// since the program it starts could not be checked.
    /// </summary>
    private static IEnumerable<CommandLine> McpClientCommandLines(MarkdownCodeBlock block)
    {
        var json = Encoding.UTF8.GetBytes(string.Join('\n', block.Lines));
        List<(long Offset, List<string> Words)> programs;
        try
        {
            programs = ProgramsStarted(json);
        }
        catch (JsonException ex) when (block.Lines.Any(l => l.Contains("\"command\"", StringComparison.Ordinal)))
        {
            return [new(block.File, block.FirstLine + (int)(ex.LineNumber ?? 0), [], IsSynopsis: false,
                Unreadable: $"the json block does not parse, so the program its \"command\" starts goes unchecked: {ex.Message}")];
        }
        catch (JsonException)
        {
            return [];
        }
        return [.. programs.Where(p => OrtAgentArguments(p.Words) is not null)
            .Select(p => new CommandLine(block.File, block.FirstLine + json.AsSpan(0, (int)p.Offset).Count((byte)'\n'),
                OrtAgentArguments(p.Words)!, IsSynopsis: false))];
    }

    /// <summary>Every JSON object's string "command" with its "args" (the strings of it), and where the "command" starts.</summary>
    private static List<(long Offset, List<string> Words)> ProgramsStarted(byte[] json)
    {
        var programs = new List<(long, List<string>)>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var objects = new Stack<(int Depth, long Offset, string? Command, List<string> Args)>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                objects.Push((reader.CurrentDepth, 0, null, []));
            }
            else if (reader.TokenType == JsonTokenType.EndObject)
            {
                var closed = objects.Pop();
                if (closed.Command is { } command) programs.Add((closed.Offset, [command, .. closed.Args]));
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == objects.Peek().Depth + 1
                && (reader.ValueTextEquals("command") || reader.ValueTextEquals("args")))
            {
                var current = objects.Pop();
                bool isCommand = reader.ValueTextEquals("command");
                long offset = reader.TokenStartIndex;
                reader.Read();
                if (isCommand && reader.TokenType == JsonTokenType.String)
                    current = current with { Offset = offset, Command = reader.GetString() };
                else if (!isCommand && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.String) current.Args.Add(reader.GetString()!);
                        else reader.Skip();
                    }
                }
                else reader.Skip();
                objects.Push(current);
            }
        }
        return programs;
    }

    /// <summary>The arguments ortagent gets from a simple command that runs it, or null for any other command.</summary>
    private static string[]? OrtAgentArguments(IReadOnlyList<string> words) => WithoutLauncher(words) switch
    {
        [var program, .. var args] when IsNamed(program, "ortagent") => args,
        ["dotnet", "exec", var dll, .. var args] when IsNamed(dll, "ortagent.dll") => args,
        ["dotnet", var dll, .. var args] when IsNamed(dll, "ortagent.dll") => args,
        ["dotnet", "run", .. var run] when RunsTheCli(run) => [.. run.SkipWhile(w => w != "--").Skip(1)],
        _ => null,
    };

    /// <summary>
    /// The words from the program that the rest of the command runs on: leading variable assignments (<c>X=1</c>) and
    /// the programs that run the rest of their line (<c>env</c>, <c>timeout 5</c>, <c>nohup</c>, <c>time</c>,
    /// <c>exec</c>), with their options, are left out.
    /// </summary>
    private static string[] WithoutLauncher(IReadOnlyList<string> words)
    {
        int i = 0;
        while (i < words.Count)
        {
            if (VariableAssignment().IsMatch(words[i])) i++;
            else if (words[i] is "nohup" or "time" or "exec") i = AfterOptions(words, i + 1, []);
            else if (words[i] == "env") i = AfterOptions(words, i + 1, ["-u", "--unset", "-C", "--chdir"]);
            else if (words[i] == "timeout") i = AfterOptions(words, i + 1, ["-s", "--signal", "-k", "--kill-after"]) + 1;
            else break;
        }
        return [.. words.Skip(i)];
    }

    /// <summary>Where a launcher's options, from <paramref name="start"/> on, end; those in <paramref name="valued"/> take the next word.</summary>
    private static int AfterOptions(IReadOnlyList<string> words, int start, string[] valued)
    {
        int i = start;
        while (i < words.Count && words[i].Length > 1 && words[i][0] == '-') i += valued.Contains(words[i]) ? 2 : 1;
        return i;
    }

    /// <summary>A program named <paramref name="name"/>, run by that name or by a path ending in it (the published apphost).</summary>
    private static bool IsNamed(string program, string name) =>
        program == name || program.EndsWith($"/{name}", StringComparison.Ordinal) || program.EndsWith($"\\{name}", StringComparison.Ordinal);

    /// <summary>Whether the arguments of <c>dotnet run</c>, up to its <c>--</c>, name the CLI's project.</summary>
    private static bool RunsTheCli(string[] run) =>
        run.TakeWhile(w => w != "--").Zip(run.Skip(1)).Any(pair => pair is ("--project", var project)
            && project.TrimStart('.', '/').TrimEnd('/') is "src/OrtAgent" or "src/OrtAgent/OrtAgent.csproj");

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

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex VariableAssignment();
}
