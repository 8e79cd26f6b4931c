namespace Ccgw.Daemon;

/// <summary><c>ccgw [run|check-config|version] [--config PATH]</c>.</summary>
internal sealed record CommandLine(string Verb, string ConfigPath, IReadOnlyList<string> Rest)
{
    public const string Usage = """
        usage: ccgw [run | check-config | version] [--config PATH]
          run            start the daemon (default)
          check-config   validate the configuration and exit (0 valid, 78 invalid)
          version        print the version and exit
          --config PATH  configuration file (default config/ccgw.json); CCGW__Section__Key variables override it
        """;

    private static readonly string[] Verbs = ["run", "check-config", "version", "help"];

    public static CommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var verb = "run";
        var config = Configuration.GatewayConfiguration.DefaultPath;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--config" or "-c")
            {
                if (i + 1 >= args.Count)
                {
                    error = "--config needs a path";
                    return null;
                }
                config = args[++i];
            }
            else if (a.StartsWith("--config=", StringComparison.Ordinal))
                config = a["--config=".Length..];
            else if (a is "--help" or "-h")
                verb = "help";
            else if (a is "--version")
                verb = "version";
            else if (i == 0 && Verbs.Contains(a))
                verb = a;
            else if (a.StartsWith('-'))
            {
                error = $"unknown option '{a}'";
                return null;
            }
            else
                rest.Add(a);
        }
        if (rest.Count > 0)
        {
            error = $"unexpected argument '{rest[0]}'";
            return null;
        }
        return new CommandLine(verb, config, rest);
    }
}
