using OrtAgent.Cli;

// Installed as Console.Out and Console.Error themselves, so that whatever writes to the console outlives a hung-up
// terminal, and the CLI still recognises its output as the console's.
Console.SetOut(new HangUpTolerantWriter(Console.Out));
Console.SetError(new HangUpTolerantWriter(Console.Error));
using var cancellation = new ConsoleCancellation();
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
