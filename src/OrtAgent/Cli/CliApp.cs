using System.CommandLine;
using System.CommandLine.Invocation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OrtAgent.Commands;
using Spectre.Console;

namespace OrtAgent.Cli;

/// <summary>
/// The ortagent program as a callable: builds the host (configuration, logging, services, commands), parses the
/// arguments and runs the chosen command. <c>Program</c> calls it with the real console; tests call it in-process
/// with string writers and their own token.
/// </summary>
public static class CliApp
{
    /// <summary>Runs ortagent with <paramref name="args"/>; returns the process exit code (0, 1, 2 or 130). Never throws.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="output">Where results and help go (stdout).</param>
    /// <param name="error">Where error lines go (stderr).</param>
    /// <param name="cancellationToken">Cancels the running command (Ctrl+C); the exit code is then 130.</param>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, configureServices: null, cancellationToken);

    /// <summary>As above; <paramref name="configureServices"/> runs last, so tests can swap services for fakes.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error,
        Action<IServiceCollection>? configureServices, CancellationToken cancellationToken)
    {
        OnnxRuntimeTelemetryOptIn.Apply();
        bool verbose = CliGlobalOptions.IsVerbose(args);
        var errorHandler = new CommandErrorHandler(error, verbose);
        return errorHandler.RunAsync(async token =>
        {
            RefuseEmptyAssignments(args);
            using var host = BuildHost(args, output, error, verbose, configureServices, out var configurationMistake);
            var root = host.Services.GetRequiredService<OrtAgentRootCommand>();
            // No response files: a text beginning with '@' (a mention in a post) is a text, not a file of arguments.
            var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            // Before help: 'models info --help' printed models' help without a word on 'info'.
            if (ParseErrorText.UnknownCommand(parseResult) is { } unknownCommand) throw new UserInputException(unknownCommand);
            if (parseResult.Action is ParseErrorAction)
            {
                // A flag the texts took (predict --modle m "x") is named before what it left missing (--model).
                throw new UserInputException(UnknownOptionText.Describe(parseResult)
                    ?? Commands.Inference.TextsArgument.FirstRefusal(parseResult)
                    ?? ParseErrorText.Describe(parseResult.Errors[0], parseResult.CommandResult.Command));
            }
            // Only a command's own action may run ONNX Runtime, log or read the roots; --help and --version need none of
            // them, and answer whatever the configuration says.
            if (parseResult.Action is { } action && action == parseResult.CommandResult.Command.Action)
            {
                if (configurationMistake is not null) throw configurationMistake;
                // Before any work: a command that writes files (export, predict --output, eval --errors) did it all, and
                // replaced what was there, then failed on its first line to stdout. serve's stdout is only its log.
                if (StandardStreams.AtStart.OutputClosed && parseResult.CommandResult.Command is not Commands.ServeCommand)
                    throw new ClosedStreamException("standard output");
                OnnxRuntimeLogging.Apply(verbose);
            }
            var invocation = new InvocationConfiguration
            {
                Output = output,
                Error = error,
                // Failures go to CommandErrorHandler; signals to ConsoleCancellation, which owns the token.
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            };
            return await parseResult.InvokeAsync(invocation, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>
    /// <c>--name=</c> with nothing after the '=' reaches the parser as <c>--name</c> alone, which then takes the next
    /// word as its value (<c>--label= hi</c> explained no text); it is the empty value <see cref="BaseCommand"/> refuses, in its words.
    /// </summary>
    private static void RefuseEmptyAssignments(string[] args)
    {
        foreach (var arg in args.TakeWhile(a => a != "--"))
            if (arg.Length > 2 && arg[0] == '-' && arg.IndexOf('=') == arg.Length - 1)
                throw BaseCommand.EmptyValue(arg[..^1]);
    }

    // configurationMistake: the first mistake in the configuration (a settings file that is not JSON or sets a root to
    // no folder, a root variable set but empty, a log level that names no level), for a command that runs to refuse.
    // The host is built without what is mistaken (the settings file, the levels), at the defaults, so that building it,
    // and --help and --version, do not fail: a user asking what to set must be answered.
    private static IHost BuildHost(string[] args, TextWriter output, TextWriter error, bool verbose, Action<IServiceCollection>? configureServices,
        out UserInputException? configurationMistake)
    {
        var settingsMistake = MistakeOf(() => AppSettingsFile.Check(Path.Combine(AppContext.BaseDirectory, AppSettingsFile.FileName)));
        var environmentMistake = MistakeOf(EnvironmentSettings.Check);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "ortagent",
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Later sources win: appsettings.json < ORTAGENT_* environment < --models-root/--artifacts-root. Only the words
        // before "--" are options: a text after it shaped like one (--Logging:LogLevel:Default=x) is a text to classify.
        builder.Configuration.SetBasePath(AppContext.BaseDirectory);
        // A file that is not JSON fails the configuration as it is read: a refused one is left out, as a log level is.
        if (settingsMistake is null) builder.Configuration.AddJsonFile(AppSettingsFile.FileName, optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("ORTAGENT_")
            .AddCommandLine(CliGlobalOptions.PathAssignments(args), CliGlobalOptions.ConfigurationSwitches);
        if (verbose)
            builder.Configuration.AddInMemoryCollection([new("Logging:LogLevel:Default", nameof(LogLevel.Debug))]);

        var logLevelMistake = UnknownLogLevel(builder.Configuration);
        configurationMistake = settingsMistake ?? environmentMistake ?? logLevelMistake;
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true);
        // The logging library refuses an unknown level only when the first logger is made (services that log are made
        // with the commands, before --help or --version could answer), and as an internal error.
        if (logLevelMistake is null) builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        // Logs are diagnostics: keep stdout for results so it can be piped.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.Services.AddOptions<OrtAgentPaths>().Configure<IConfiguration>((paths, configuration) =>
        {
            var shipped = new OrtAgentPaths();
            if (RootOf(configuration, "Models:Root", shipped.ModelsRoot) is var (models, modelsSetting)) (paths.ModelsRoot, paths.ModelsRootSetting) = (models, modelsSetting ?? shipped.ModelsRootSetting);
            if (RootOf(configuration, "Artifacts:Root", shipped.ArtifactsRoot) is var (artifacts, artifactsSetting)) (paths.ArtifactsRoot, paths.ArtifactsRootSetting) = (artifacts, artifactsSetting ?? shipped.ArtifactsRootSetting);
        });
        builder.Services.AddSingleton(CreateConsole(output));
        builder.Services.AddSingleton(new ErrorOutput(error));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOrtAgentServices().AddOrtAgentCommands();
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The refusal <paramref name="check"/> throws, or null when it passes.</summary>
    private static UserInputException? MistakeOf(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (UserInputException mistake)
        {
            return mistake;
        }
    }

    /// <summary>
    /// A root folder set in the configuration under <paramref name="key"/>, and what set it as a message names it (see
    /// <see cref="SettingOf"/>; the flag when that cannot be told); null when nothing set it. The shipped
    /// appsettings.json's own value (<paramref name="shippedDefault"/>) has no setting (null): no one chose it, and
    /// messages named "Artifacts:Root in appsettings.json", a file beside the program, where the flag is what to give.
    /// </summary>
    private static (string Path, string? Setting)? RootOf(IConfiguration configuration, string key, string shippedDefault) =>
        configuration[key] is { Length: > 0 } path
            ? (path, path == shippedDefault && ProviderOf(configuration, key) is JsonConfigurationProvider ? null : SettingOf(configuration, key))
            : null;

    /// <summary>
    /// Where the value of <paramref name="key"/> came from, as the user set it: the command line's flag, the environment
    /// variable, or the key in appsettings.json; the flag when that cannot be told.
    /// </summary>
    private static string SettingOf(IConfiguration configuration, string key) => OriginOf(configuration, key).Setting;

    /// <summary>
    /// Where the value of <paramref name="key"/> was set, for a message that names the key already: the environment
    /// variable as it was spelt, or the settings file's full path (it lies beside the program, where a user would not look).
    /// </summary>
    private static string SourceOf(IConfiguration configuration, string key) => OriginOf(configuration, key).Where;

    /// <summary>
    /// The one look at which source gave <paramref name="key"/> its value, said two ways: as the setting the user wrote
    /// (<c>--models-root</c>, <c>ORTAGENT_MODELS__ROOT</c>, <c>Models:Root in appsettings.json</c>) and as where it was
    /// set (<c>on the command line</c>, <c>by ORTAGENT_…</c>, <c>in /full/path/appsettings.json</c>). The command line
    /// when no other source sets it.
    /// </summary>
    private static (string Setting, string Where) OriginOf(IConfiguration configuration, string key)
    {
        switch (ProviderOf(configuration, key))
        {
            case EnvironmentVariablesConfigurationProvider provider:
                var variable = VariableOf(provider, key);
                return (variable, $"by {variable}");
            case JsonConfigurationProvider json:
                return ($"{key} in appsettings.json", $"in {json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path}");
            default:
                // The command line's own sources: a path option (--models-root, --artifacts-root), or a key set in memory (--verbose's log level).
                var flag = CliGlobalOptions.ConfigurationSwitches.FirstOrDefault(entry => entry.Value == key).Key ?? $"--{key}";
                return (flag, "on the command line");
        }
    }

    /// <summary>The source whose value of <paramref name="key"/> the configuration reads (the last that sets it), or null when none does.</summary>
    private static IConfigurationProvider? ProviderOf(IConfiguration configuration, string key) =>
        (configuration as IConfigurationRoot)?.Providers.LastOrDefault(provider => provider.TryGet(key, out _));

    /// <summary>
    /// The environment variable, spelt as it was set, that gave <paramref name="provider"/> its value of
    /// <paramref name="key"/>: the provider matches names ignoring case and keeps none of the prefix's spelling, so the
    /// name is found again in the environment it read (the variable of that name and value; of several spellings with the
    /// same value, the first). <c>ORTAGENT_</c> and the key upper-cased when none matches (the environment changed since).
    /// </summary>
    private static string VariableOf(EnvironmentVariablesConfigurationProvider provider, string key)
    {
        string name = "ORTAGENT_" + key.Replace(":", "__", StringComparison.Ordinal);
        provider.TryGet(key, out var value);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string set && variable.Value is string setValue && setValue == value
                && string.Equals(set.Replace("__", ":", StringComparison.Ordinal), "ORTAGENT_" + key, StringComparison.OrdinalIgnoreCase))
                return set;
        }
        return name.ToUpperInvariant();
    }

    /// <summary>
    /// The mistake when a log level names no level (<c>ORTAGENT_Logging__LogLevel__Default=abc</c>), or null: a
    /// configuration mistake, which the logging library found only when the first logger was made, as an internal error.
    /// </summary>
    internal static UserInputException? UnknownLogLevel(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            if (value is null || !key.Split(':').Contains("LogLevel", StringComparer.OrdinalIgnoreCase)) continue;
            if (!Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level) || !Enum.IsDefined(level))
                return new UserInputException($"configuration {key} = '{value}' (set {SourceOf(configuration, key)}): "
                    + $"expected one of {string.Join(", ", Enum.GetNames<LogLevel>())}");
        }
        return null;
    }

    // Wider than any line OrtAgent writes, yet small enough that Spectre's layout arithmetic on it cannot overflow.
    private const int UnwrappedWidth = 1 << 20;

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        bool isTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // Piped output (files, tests, CI logs) has no width to fit: a line is kept whole however long (a record cut
        // mid-way breaks grep), and tables, which take only the width their cells need, render as they are.
        if (!isTerminal) console.Profile.Width = UnwrappedWidth;
        return console;
    }
}
