using OrtAgent.Cli;

using var cancellation = new ConsoleCancellation();
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
