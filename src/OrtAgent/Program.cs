using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;

// Read first, before anything opens a file that could take a free descriptor number: which standard streams the
// process was started with at all.
var streams = StandardStreams.AtStart;

// The command line, files and figures read and print numbers one way on every machine: the command-line parser reads
// numbers in the current culture, so under de-DE '--lr 0.00005' was 5 and '--dropout 0.1' was 1.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// UTF-8 whatever the locale: JSON must be (RFC 8259), and the files OrtAgent reads and writes are; .NET's default on Unix
// followed LANG and LC_ALL, so under a Latin-1 locale 'é' was the byte 0xE9 and '日本' was '??'.
Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

// Installed as Console.Out and Console.Error themselves, so that whatever writes to the console outlives a hung-up
// terminal, and the CLI still recognises its output as the console's. A stream the process was started without is
// never written to: its descriptor is the runtime's own pipe.
Console.SetOut(streams.OutputClosed ? new HangUpTolerantWriter(TextWriter.Null, closed: true) : new HangUpTolerantWriter(Console.Out));
Console.SetError(streams.ErrorClosed ? TextWriter.Null : new DiagnosticWriter(Console.Error));
using var cancellation = new ConsoleCancellation(Console.Error);
// The commands keep the cancellation's notice up to date, so a Ctrl+C says at once what it will do.
return await CliApp.RunAsync(args, Console.Out, Console.Error, services => services.AddSingleton(cancellation.Notice), cancellation.Token);
