using Ccgw.Configuration;
using Ccgw.Daemon;

var commandLine = CommandLine.Parse(args, out var usageError);
if (commandLine is null)
{
    await Console.Error.WriteLineAsync($"ccgw: {usageError}\n{CommandLine.Usage}");
    return ExitCodes.Usage;
}

switch (commandLine.Verb)
{
    case "help":
        Console.WriteLine(CommandLine.Usage);
        return ExitCodes.Ok;
    case "version":
        Console.WriteLine(BuildInfo.Describe());
        return ExitCodes.Ok;
}

var loaded = GatewayConfiguration.Load(commandLine.ConfigPath);
foreach (var warning in loaded.Problems.Warnings)
    await Console.Error.WriteLineAsync($"ccgw: config warning: {warning}");
if (!loaded.IsValid)
{
    foreach (var error in loaded.Problems.Errors)
        await Console.Error.WriteLineAsync($"ccgw: config error: {error}");
    await Console.Error.WriteLineAsync($"ccgw: {loaded.Problems.Errors.Count} problem(s) in {loaded.Path}; not starting");
    return ExitCodes.Config;
}
if (commandLine.Verb == "check-config")
{
    Console.WriteLine($"ccgw: {loaded.Path} is valid");
    return ExitCodes.Ok;
}

return await DaemonHost.RunAsync(loaded);
