using System.Globalization;
using System.Net.Http;

namespace Ccgw.Testing;

/// <summary>
/// The real daemon started as a child process on a private copy of the demo configuration, with every
/// listener moved to free loopback ports and a private data directory, reporting to a test notify socket.
/// </summary>
public sealed class DaemonUnderTest : IAsyncDisposable
{
    private DaemonUnderTest(string root, ExternalProcess process, NotifySocket notify, Ports ports)
    {
        Root = root;
        Process = process;
        Notify = notify;
        Listeners = ports;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}"), Timeout = TimeSpan.FromSeconds(15) };
    }

    private const int RtpPorts = 16;

    public sealed record Ports(int Http, int Sip, int Xmpp, int Mqtt, int RtpMin, int RtpMax);

    public string Root { get; }
    public string ConfigPath => System.IO.Path.Combine(Root, "config", "ccgw.json");
    public string DataDirectory => System.IO.Path.Combine(Root, "data");
    public ExternalProcess Process { get; }
    public NotifySocket Notify { get; }
    public Ports Listeners { get; }
    public HttpClient Http { get; }

    /// <summary>Polls <c>/metrics</c> until it holds <paramref name="line"/> exactly; false when it did not within <paramref name="within"/>.</summary>
    public async Task<bool> MetricBecomesAsync(string line, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        while (!cts.IsCancellationRequested)
        {
            var text = await Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cts.Token).ConfigureAwait(false);
            if (text.Split('\n').Contains(line)) return true;
            try
            {
                await Task.Delay(250, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return false;
    }

    /// <summary>
    /// Copies config/ into a temp directory, then starts the daemon on it and waits for READY=1. With
    /// <paramref name="systemdParent"/> the daemon's parent process is named <c>systemd</c> (a copy of bash that
    /// forwards SIGTERM), which is how Microsoft.Extensions.Hosting.Systemd decides it runs as a systemd service.
    /// </summary>
    public static async Task<DaemonUnderTest> StartAsync(IReadOnlyDictionary<string, string?>? extraEnvironment = null,
        string? reuseRoot = null, TimeSpan? readyTimeout = null, bool systemdParent = false)
    {
        // Free ports are probed, then bound by the daemon: another test's process can take one in between. The daemon
        // then exits with EX_OSERR (71) before READY; try again with fresh ports rather than fail an unrelated test.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(extraEnvironment, reuseRoot, readyTimeout, systemdParent);
            }
            catch (ListenerTakenException) when (attempt < 3)
            {
            }
        }
    }

    private sealed class ListenerTakenException(string message) : InvalidOperationException(message);

    private static async Task<DaemonUnderTest> StartOnceAsync(IReadOnlyDictionary<string, string?>? extraEnvironment,
        string? reuseRoot, TimeSpan? readyTimeout, bool systemdParent)
    {
        var root = reuseRoot ?? NewRoot();
        // Each pick was free a moment ago, but picks made one after another may repeat a port (CI once had Http and
        // Xmpp on the same one, and the config check refused the overlap): pick again until all four differ.
        int http, sip, xmpp, mqtt;
        do (http, sip, xmpp, mqtt) = (FreePorts.Tcp(), FreePorts.TcpAndUdp(), FreePorts.Tcp(), FreePorts.Tcp());
        while (new HashSet<int> { http, sip, xmpp, mqtt }.Count < 4);
        // Eight RTP/RTCP pairs: a voice call with an agent leg needs two. The allocator skips ports others hold;
        // the range only has to miss our own listeners, or the config check refuses the overlap.
        int rtp;
        do rtp = FreePorts.UdpPair();
        while (rtp + RtpPorts - 1 > 65535 || new[] { http, sip, xmpp, mqtt }.Any(p => p >= rtp && p < rtp + RtpPorts));
        var ports = new Ports(http, sip, xmpp, mqtt, rtp, rtp + RtpPorts - 1);
        var notify = new NotifySocket(System.IO.Path.Combine(root, $"notify-{Guid.NewGuid():N}.sock"));
        var env = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = notify.Path,
            ["CCGW__Data__Directory"] = System.IO.Path.Combine(root, "data"),
            ["CCGW__Listeners__Http__Port"] = Text(ports.Http),
            ["CCGW__Listeners__SipUdp__Port"] = Text(ports.Sip),
            ["CCGW__Listeners__SipTcp__Port"] = Text(ports.Sip),
            ["CCGW__Listeners__Xmpp__Port"] = Text(ports.Xmpp),
            ["CCGW__Listeners__Mqtt__Port"] = Text(ports.Mqtt),
            ["CCGW__Listeners__Rtp__PortMin"] = Text(ports.RtpMin),
            ["CCGW__Listeners__Rtp__PortMax"] = Text(ports.RtpMax),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            // Every test's client is 127.0.0.1, and some post hundreds of requests: the demo's per-address limits
            // would refuse them. Tests of the limits themselves set their own (HttpEdgeTests).
            ["CCGW__Http__RateLimits__Submissions__PermitLimit"] = "1000000",
            ["CCGW__Http__RateLimits__Lookups__PermitLimit"] = "1000000",
        };
        if (extraEnvironment is not null)
            foreach (var (k, v) in extraEnvironment) env[k] = v;
        string[] daemonArguments = [Binaries.Daemon, "--config", System.IO.Path.Combine(root, "config", "ccgw.json")];
        var process = systemdParent
            ? ExternalProcess.Start(SystemdNamedShell(root), ["-c", ForwardTermScript, "systemd", .. daemonArguments], env, root)
            : ExternalProcess.Start("dotnet", daemonArguments, env, root);
        var daemon = new DaemonUnderTest(root, process, notify, ports);
        if (!await notify.WaitForAsync("READY=1", readyTimeout ?? TimeSpan.FromSeconds(60)))
        {
            var output = process.StandardOutput + process.StandardError;
            var taken = process.HasExited && process.ExitCode == 71 && output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
            await daemon.DisposeAsync();
            if (taken && reuseRoot is null) daemon.DeleteRoot();
            if (taken) throw new ListenerTakenException($"a listener port was taken before the daemon bound it:\n{output}");
            throw new InvalidOperationException($"daemon did not report READY=1:\n{output}");
        }
        return daemon;
    }

    // Runs the daemon as a child (no exec, so the shell stays its parent), forwards SIGTERM and exits with its status.
    private const string ForwardTermScript =
        "trap 'kill -TERM \"$child\" 2>/dev/null' TERM; dotnet \"$@\" & child=$!; code=0; " +
        "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; code=$?; done; exit $code";

    /// <summary>A copy of bash whose process name (comm) is "systemd".</summary>
    private static string SystemdNamedShell(string root)
    {
        var directory = System.IO.Path.Combine(root, "sd-parent");
        Directory.CreateDirectory(directory);
        var shell = System.IO.Path.Combine(directory, "systemd");
        if (!File.Exists(shell)) File.Copy("/bin/bash", shell);
        return shell;
    }

    /// <summary>A fresh temp directory holding a copy of the shipped config/ folder.</summary>
    public static string NewRoot()
    {
        var root = Directory.CreateTempSubdirectory("ccgw-daemon-").FullName;
        CopyDirectory(System.IO.Path.Combine(RepoPaths.Root, "config"), System.IO.Path.Combine(root, "config"));
        return root;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        // Dot files are not part of the shipped folder: Ccgw.Configuration.Tests writes short-lived `.test-*.json` files
        // beside the demo config (so its relative paths resolve) while this copies, and one could vanish mid-copy.
        foreach (var file in Directory.GetFiles(from).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')))
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            CopyDirectory(dir, System.IO.Path.Combine(to, System.IO.Path.GetFileName(dir)));
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
        await Notify.DisposeAsync();
    }

    /// <summary>Deletes the temp directory (separate from dispose so a restart test can reuse it).</summary>
    public void DeleteRoot()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
