using System.Reflection;
using Ccgw.Configuration;
using Ccgw.Core.Security;

namespace Ccgw.Cli;

/// <summary>
/// <c>ccgwctl</c>: admin verbs. Offline verbs read the configuration; live verbs talk to the running daemon's
/// admin API (<c>/api/admin/</c>) with the bearer token from <c>--token</c>, <c>$CCGW_ADMIN_TOKEN</c> or the
/// configuration's <c>Admin:Token</c>.
/// </summary>
internal static class CtlCommands
{
    public static readonly string Usage = $"""
        usage: ccgwctl VERB [options]
          check-config [--config PATH]           validate a configuration (exit 0 valid, 78 invalid)
          version                                print the version
          hash-password --user ID [--realm DOMAIN]  read a password on stdin, print a PasswordHash value
          health [--config PATH]                 ask the running daemon's /healthz (exit 0 healthy)
          status                                 this node's role in the active/standby pair (single, standby, active,
                                                 fenced), the lease's holder, fencing token and age (admin API)
          agents | queues                        list agents / queues with live state (admin API)
          agent-state ID STATE [REASON]          set an agent's state: ready, notReady, offline (admin API)
          callbacks [STATUS]                     list the call-back list (scheduled, queued, dialling, connected, done, cancelled, failed,
                                                 interrupted) with attempts and last outcome
          callback-priority ID N                 re-prioritise a scheduled, queued or interrupted call-back (higher first)
          callback-reschedule ID TIME            reschedule a scheduled or interrupted call-back (ISO 8601, e.g.
                                                 2026-11-22T09:30:00Z); an interrupted one is dialled again at TIME
          callback-cancel ID                     cancel a scheduled or interrupted call-back
          report queues|agents --from T --to T [--interval 15m|hour|day] [--tz ZONE] [--csv]
                                                 interval report from history (T: 2026-10-25, a wall-clock time of
                                                 ZONE, or an instant with offset; ZONE: IANA, default UTC)
          agent list | add ID | set ID | remove ID   provision agents at run time (admin API): add needs --password
                                                 (or --password-stdin); --name N, --skill SKILL=LEVEL (repeat),
                                                 --capacity voice=1,im=3,callback=1, --capability C, --reason-code R;
                                                 set changes only what is given; remove is refused while on a call
          supervisor list | add ID | set ID | remove ID   the same for supervisors (--name, --password)
          queue list | show ID | add ID | set ID | remove ID   queues and their routing settings: --skill SKILL=LEVEL
                                                 (repeat; replaces the skills), --priority N, --service-level
                                                 SECONDS[:TARGET], --overflow QUEUE:SECONDS; add needs a --skill;
                                                 remove is refused while anything waits in the queue or a call-back
                                                 is pending for it, and for the configuration file's queues
          audit [RESOURCE [ID]]                  provisioning changes, newest first (who, when, before, after)
        {TrunkClient.Usage}
        {FlowClient.Usage}
        {SelfHelpClient.Usage}
        options for live verbs: --config PATH, --url http://host:port, --token TOKEN
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? 64 : 0;
        }
        var options = CtlOptions.Parse(args[1..]);
        if (options.Error is not null)
        {
            await stderr.WriteLineAsync($"ccgwctl: {options.Error}");
            return 64;
        }
        switch (args[0])
        {
            case "version":
                await stdout.WriteLineAsync($"ccgwctl {Version}");
                return 0;
            case "check-config":
                return await CheckConfigAsync(options, stdout, stderr);
            case "hash-password":
                return await HashPasswordAsync(options, stdout, stderr, stdin);
            case "health":
            case "status":
            case "agents":
            case "queues":
            case "agent-state":
            case "callbacks":
            case "callback-priority":
            case "callback-reschedule":
            case "callback-cancel":
            case "report":
            case "wizard":
            case "catalogue":
            case "orders":
            case "order-status":
                return await new AdminClient(stdout, stderr).RunAsync(args[0], options);
            case "trunk":
            case "did":
                return await new TrunkClient(stdout, stderr).RunAsync(args[0], options, AdminClient.Resolve(options));
            case "flow":
                return await new FlowClient(stdout, stderr, stdin).RunAsync(options, AdminClient.Resolve(options));
            case "agent":
            case "supervisor":
            case "queue":
            case "audit":
                if (options.Settings.ContainsKey("password-stdin"))
                {
                    var password = (await stdin.ReadLineAsync())?.TrimEnd('\r');
                    options = options with { Settings = new Dictionary<string, List<string>>(options.Settings) { ["password"] = [password ?? ""] } };
                }
                return await new ProvisioningClient(stdout, stderr).RunAsync(args[0], options, AdminClient.Resolve(options));
            default:
                await stderr.WriteLineAsync($"ccgwctl: unknown verb '{args[0]}'\n{Usage}");
                return 64;
        }
    }

    private static string Version =>
        typeof(CtlCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static async Task<int> CheckConfigAsync(CtlOptions options, TextWriter stdout, TextWriter stderr)
    {
        var loaded = GatewayConfiguration.Load(options.ConfigPath);
        foreach (var w in loaded.Problems.Warnings) await stderr.WriteLineAsync($"ccgwctl: config warning: {w}");
        foreach (var e in loaded.Problems.Errors) await stderr.WriteLineAsync($"ccgwctl: config error: {e}");
        if (!loaded.IsValid) return 78;
        await stdout.WriteLineAsync($"ccgwctl: {loaded.Path} is valid");
        return 0;
    }

    private static async Task<int> HashPasswordAsync(CtlOptions options, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        if (options.User is null)
        {
            await stderr.WriteLineAsync("ccgwctl: hash-password needs --user ID (digest hashes bind the user name)");
            return 64;
        }
        var password = (await stdin.ReadLineAsync())?.TrimEnd('\r');
        if (string.IsNullOrEmpty(password) || password.Length < 8)
        {
            await stderr.WriteLineAsync("ccgwctl: give a password of at least 8 characters on standard input");
            return 64;
        }
        await stdout.WriteLineAsync(StoredCredential.Derive(options.User, options.Realm ?? "localhost", password).ToString());
        return 0;
    }
}

internal sealed record CtlOptions(string ConfigPath, string? Url, string? Token, string? User, string? Realm,
    IReadOnlyList<string> Positional, string? Error)
{
    /// <summary>The report verb's query parameters (from, to, interval, tz, format), as given.</summary>
    public IReadOnlyDictionary<string, string> Report { get; init; } = new Dictionary<string, string>();
    /// <summary>Provisioning options (--name, --skill, ...), each possibly repeated.</summary>
    public IReadOnlyDictionary<string, List<string>> Settings { get; init; } = new Dictionary<string, List<string>>();

    private static readonly HashSet<string> SettingNames =
        ["name", "password", "skill", "capacity", "capability", "reason-code", "priority", "service-level", "overflow", "limit",
         "allow-from", "outbound", "caller-id", "keepalive", "username", "flow", "trunk", "file"];

    public static CtlOptions Parse(IReadOnlyList<string> args)
    {
        string config = GatewayConfiguration.DefaultPath;
        string? url = null, token = null, user = null, realm = null;
        var positional = new List<string>();
        var report = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            string? Next() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--config": config = Next() ?? ""; break;
                case "--url": url = Next(); break;
                case "--token": token = Next(); break;
                case "--user": user = Next(); break;
                case "--realm": realm = Next(); break;
                case "--from" or "--to" or "--interval" or "--tz":
                    var key = args[i][2..];
                    if (Next() is not { } reportValue)
                        return new CtlOptions(config, url, token, user, realm, positional, $"option '--{key}' needs a value");
                    report[key] = reportValue;
                    break;
                case "--csv": report["format"] = "csv"; break;
                case "--password-stdin": settings["password-stdin"] = []; break;
                case var option when option.StartsWith("--", StringComparison.Ordinal) && SettingNames.Contains(option[2..]):
                    if (Next() is not { } value)
                        return new CtlOptions(config, url, token, user, realm, positional, $"option '{option}' needs a value");
                    if (!settings.TryGetValue(option[2..], out var values)) settings[option[2..]] = values = [];
                    values.Add(value);
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                        return new CtlOptions(config, url, token, user, realm, positional, $"unknown option '{args[i]}'");
                    positional.Add(args[i]);
                    break;
            }
        }
        return new CtlOptions(config, url, token, user, realm, positional, null) { Report = report, Settings = settings };
    }
}
