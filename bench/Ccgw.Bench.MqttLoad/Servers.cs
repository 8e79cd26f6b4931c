using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccgw.Mqtt;

// taskset and /proc/PID/stat: the tool is Linux-only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Ccgw.Bench.MqttLoad;

/// <summary>A server process under test, pinned to CPU0; its CPU time is read from /proc/PID/stat.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port, string name)
    {
        _process = process;
        Port = port;
        Name = name;
    }

    public int Port { get; }
    public string Name { get; }
    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(string name, int port, string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("0");
        info.ArgumentList.Add(file);
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + file);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, port, name);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Resident set size (VmRSS) of the process, in KiB.</summary>
    public long RssKilobytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>utime + stime of the process, in microseconds.</summary>
    public long CpuMicroseconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ", field 3 is index 0: utime is field 14 (index 11), stime field 15 (index 12).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1_000_000 / 100; // USER_HZ is 100 on Linux
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        _process.Dispose();
    }
}

/// <summary>
/// `serve PORT`: the embedded broker alone on a plain socket listener (users bench/bench and alice/demo-alice, <see cref="BenchAcl"/>, as
/// MqttNetHost has them), for the throughput runs.
/// </summary>
public static class BrokerHost
{
    public static async Task RunAsync(int port)
    {
        await using var broker = new MqttBroker(new MqttBrokerOptions(),
            new InMemoryMqttAuthenticator([("bench", "bench", ["supervisor"]), ("alice", "demo-alice", ["agent"])]), new BenchAcl(), TimeProvider.System);
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(512);
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = ServeAsync(broker, socket);
        }
    }

    private static async Task ServeAsync(MqttBroker broker, Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        await broker.HandleConnectionAsync(stream, socket.RemoteEndPoint, CancellationToken.None);
    }
}

/// <summary>
/// The contact-centre ACL for ccgw/ topics, and the harness's own bench/ topics open to the authenticated users: every
/// server under test runs this same check per SUBSCRIBE filter and per client PUBLISH.
/// </summary>
public sealed class BenchAcl : IMqttAuthorizer
{
    private readonly ContactCenterAcl _acl = new();

    public bool CanSubscribe(MqttIdentity identity, string topicFilter) =>
        topicFilter.StartsWith("bench/", StringComparison.Ordinal) || _acl.CanSubscribe(identity, topicFilter);

    public bool CanPublish(MqttIdentity identity, string topic) =>
        topic.StartsWith("bench/", StringComparison.Ordinal) || _acl.CanPublish(identity, topic);
}
