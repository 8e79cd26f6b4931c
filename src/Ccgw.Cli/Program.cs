using Ccgw.Cli;

return await CtlCommands.RunAsync(args, Console.Out, Console.Error, Console.In);
