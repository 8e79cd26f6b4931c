using System.Globalization;
using System.Net;
using Ccgw.Bench.Abuse;
using Ccgw.Testing;

// bench/Ccgw.Bench.Abuse: the fault-and-abuse run of issue 16. For each attack a fresh daemon (the real one, through
// DaemonUnderTest) on CPU0, the attack and the legitimate clients on CPU1 (run.sh pins this process; the daemon is
// pinned here); one markdown table. See README.md. Usage:
//   dotnet run -c Release --project bench/Ccgw.Bench.Abuse -- [--seconds 10] [--only register,slow-http,...]
//        [--set CCGW__Some__Key=value ...] [--connections 1000] [--legit-ms 1000]

// The daemon's limits for the run, as environment overrides of config/ccgw.json (the daemon's own names,
// CCGW__Section__Key). DaemonUnderTest raises some limits for the test suite, whose every client is 127.0.0.1; these
// put the production values back. The other limits of issue 16 are on by default in the daemon and the demo
// (Listeners:MaxConnections/MaxConnectionsPerAddress, Sip:Pike, the XMPP guest-login limit, DialOut, the no-ACK
// clean-up); change them here, or per run with --set, under the keys docs/configuration.md gives them.
var overrides = new Dictionary<string, string?>
{
    ["CCGW__Http__RateLimits__Submissions__PermitLimit"] = "30", // the demo's 30 a minute per address
    ["CCGW__Http__RateLimits__Lookups__PermitLimit"] = "300",    // the demo's 300 a minute per address
    ["CCGW__Listeners__Rtp__PortMin"] = "30000",                 // the demo's 1000 RTP ports, not the tests' 16
    ["CCGW__Listeners__Rtp__PortMax"] = "30999",
};

var seconds = 10.0;
var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
var connections = 1000;
var legitInterval = TimeSpan.FromSeconds(1);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--only": only.UnionWith(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
        case "--connections": connections = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--legit-ms": legitInterval = TimeSpan.FromMilliseconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        case "--set":
            var kv = args[++i].Split('=', 2);
            overrides[kv[0]] = kv.Length > 1 ? kv[1] : null;
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
var duration = TimeSpan.FromSeconds(seconds);
// Every slowloris connection is a descriptor here (and one in the daemon, which inherits this limit).
var descriptors = SoftDescriptorLimit();
if (connections > descriptors - 500)
{
    connections = Math.Max(10, descriptors - 500);
    Console.Error.WriteLine($"RLIMIT_NOFILE soft limit {descriptors}: slowloris capped at {connections} connections");
}

var trunk = IPAddress.Loopback; // the demo trunk's AllowFrom
var attacks = new (string Name, string Title, Func<Target, HttpClient, Task<(AttackOutcome, string?)>> Run)[]
{
    ("baseline", "none (legitimate traffic only)", (_, _) => Task.FromResult((new AttackOutcome("-", "-"), (string?)null))),
    ("register", "REGISTER brute force (UDP, alice)", async (t, _) => (await Attacks.RegisterBruteForceAsync(t, duration, 500), null)),
    ("invite", "INVITE flood (UDP, foreign address)", async (t, _) => (await Attacks.InviteFloodAsync(t, duration, 500, Attacks.Address), null)),
    ("invite-trunk", "INVITE flood (UDP, spoofing the trunk's address)", async (t, _) => (await Attacks.InviteFloodAsync(t, duration, 50, trunk), null)),
    ("help", "help-request flood (HTTP POST /api/help-requests)", async (t, _) => (await Attacks.HelpFloodAsync(t, duration, 32, 100), null)),
    ("guests", "XMPP guest flood (SASL ANONYMOUS)", async (t, _) => (await Attacks.GuestFloodAsync(t, duration, 16), null)),
    ("slow-http", "slowloris HTTP", async (t, _) => (await Attacks.SlowlorisAsync(t.Http, "HTTP", duration, connections, TimeSpan.FromSeconds(1)), null)),
    ("slow-xmpp", "slowloris XMPP", async (t, _) => (await Attacks.SlowlorisAsync(t.Xmpp, "XMPP", duration, connections, TimeSpan.FromSeconds(1)), null)),
    ("slow-mqtt", "slowloris MQTT", async (t, _) => (await Attacks.SlowlorisAsync(t.Mqtt, "MQTT", duration, connections, TimeSpan.FromSeconds(1)), null)),
    ("slow-sip", "slowloris SIP TCP", async (t, _) => (await Attacks.SlowlorisAsync(t.Sip, "SIP TCP", duration, connections, TimeSpan.FromSeconds(1)), null)),
    ("rtp", "RTP injection (foreign port into a live IVR call)", async (t, m) =>
    {
        var (outcome, note) = await RtpInjection.RunAsync(t, m, duration, 1000);
        return (outcome, note);
    }),
};

var rows = new List<string>();
Console.Error.WriteLine($"abuse run: {duration.TotalSeconds:F0} s per attack; overrides: {string.Join(' ', overrides.Select(o => $"{o.Key}={o.Value}"))}");
foreach (var attack in attacks.Where(a => only.Count == 0 || only.Contains(a.Name)))
{
    Console.Error.WriteLine($"== {attack.Name}");
    var daemon = await DaemonUnderTest.StartAsync(overrides);
    try
    {
        var pid = daemon.Process.Id;
        await DaemonProbe.PinAsync(pid, 0);
        var l = daemon.Listeners;
        var target = new Target("localhost", new IPEndPoint(IPAddress.Loopback, l.Http), new IPEndPoint(IPAddress.Loopback, l.Sip),
            new IPEndPoint(IPAddress.Loopback, l.Xmpp), new IPEndPoint(IPAddress.Loopback, l.Mqtt), l.RtpMin, l.RtpMax);
        // Warm-up (JIT on both sides, first connections), not counted; longer before the first row, where this
        // process's own TLS and HTTP code is cold too (a first run lost an XMPP login to it).
        using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(rows.Count == 0 ? 5 : 2)))
            await new Legit(target, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)).RunAsync(warm.Token);

        var legit = new Legit(target, legitInterval, TimeSpan.FromSeconds(3));
        using var window = new CancellationTokenSource();
        var cpu0 = DaemonProbe.CpuSeconds(pid);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var legitRun = legit.RunAsync(window.Token);
        var peakRss = 0.0;
        var peakFds = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested && !daemon.Process.HasExited)
            {
                peakRss = Math.Max(peakRss, DaemonProbe.StatusMegabytes(pid, "VmRSS"));
                peakFds = Math.Max(peakFds, DaemonProbe.OpenDescriptors(pid));
                try
                {
                    await Task.Delay(100, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return; // done
                }
            }
        });
        (AttackOutcome Outcome, string? Note) result;
        if (attack.Name == "baseline")
        {
            await Task.Delay(duration);
            result = (new AttackOutcome("-", "-"), null);
        }
        else result = await attack.Run(target, daemon.Http);
        var elapsed = clock.Elapsed;
        var alive = !daemon.Process.HasExited;
        var cpu = alive ? (DaemonProbe.CpuSeconds(pid) - cpu0) / elapsed.TotalSeconds * 100 : double.NaN;
        await window.CancelAsync();
        await legitRun;
        await sampling.CancelAsync();
        await sampler;
        var (ok, failed) = legit.Total;
        var failures = string.Join(", ", legit.Tally.Where(t => t.Value.Failed > 0).OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Value.Failed}/{t.Value.Ok + t.Value.Failed}"));
        var legitCell = $"{(ok + failed == 0 ? 0 : 100.0 * ok / (ok + failed)):F1}% ({ok}/{ok + failed})" +
                        (failures.Length > 0 ? $"; failed: {failures}" : "") + (result.Note is null ? "" : $"; {result.Note}");
        rows.Add($"| {attack.Title} | {result.Outcome.Sent} | {result.Outcome.GotThrough} | " +
                 (alive ? $"{cpu:F0}% | {peakRss:F0} | {peakFds}" : "daemon exited | - | -") + $" | {legitCell} |");
        Console.Error.WriteLine(rows[^1]);
    }
    finally
    {
        await daemon.DisposeAsync();
        daemon.DeleteRoot();
    }
}

Console.WriteLine();
Console.WriteLine($"Fault-and-abuse run, {duration.TotalSeconds:F0} s per attack, a fresh daemon each (CPU0), load on CPU1, legitimate clients from 127.0.0.2 every {legitInterval.TotalMilliseconds:F0} ms per exchange.");
Console.WriteLine();
Console.WriteLine("| attack | sent | got through | daemon CPU (one core) | peak RSS MB | peak daemon fds | legitimate success |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
foreach (var row in rows) Console.WriteLine(row);
return 0;

static int SoftDescriptorLimit()
{
    foreach (var line in File.ReadLines("/proc/self/limits"))
        if (line.StartsWith("Max open files", StringComparison.Ordinal))
            return int.TryParse(line[26..].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var soft) ? soft : 1024;
    return 1024;
}
