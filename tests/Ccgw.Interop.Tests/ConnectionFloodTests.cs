using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16's acceptance: a flood of 5,000 TCP connections from one address (127.0.0.1) against each TCP listener of
/// the real daemon leaves another client (127.0.0.2: all of 127.0.0.0/8 is loopback on Linux) served, with a real
/// exchange on each protocol, while the flood's connections are still held open. The refusals show in /metrics.
/// </summary>
public sealed class ConnectionFloodTests
{
    private const int Flood = 5_000;
    private static readonly IPAddress Flooder = IPAddress.Loopback;
    private static readonly IPAddress Legitimate = IPAddress.Parse("127.0.0.2");
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_flood_of_5000_connections_from_one_address_leaves_other_clients_served_on_every_listener()
    {
        await using var daemon = await DaemonUnderTest.StartAsync();
        var ports = daemon.Listeners;
        var exchanges = new (string Listener, int Port, Func<int, CancellationToken, Task<string>> Exchange, string Expected)[]
        {
            ("xmpp", ports.Xmpp, XmppStreamHeaderAsync, "<stream:features"),
            ("mqtt", ports.Mqtt, MqttConnectAsync, "CONNACK 0"),
            ("http", ports.Http, HttpGetAsync, "200"),
            ("sip-tcp", ports.Sip, SipOptionsAsync, "SIP/2.0 200"),
        };
        // One listener at a time keeps the test's own descriptors near 5,000 (the soft limit is raised by the runtime).
        foreach (var (listener, port, exchange, expected) in exchanges)
        {
            var flood = await FloodAsync(port);
            try
            {
                Assert.True(flood.Count >= Flood / 2, $"{listener}: only {flood.Count} of {Flood} flood connections were made");
                using var guard = new CancellationTokenSource(Guard);
                var answer = await exchange(port, guard.Token);
                Assert.True(answer.Contains(expected, StringComparison.Ordinal), $"{listener}: the legitimate client got '{answer}'");
            }
            finally
            {
                foreach (var s in flood) s.Dispose();
            }
        }

        var metrics = await HttpGetAsync(ports.Http, "/metrics", CancellationToken.None);
        var refused = metrics.Split('\n').Where(line => line.StartsWith("ccgw_listener_connections_refused_total{", StringComparison.Ordinal)).ToList();
        foreach (var listener in new[] { "xmpp", "mqtt", "http", "sip-tcp" })
            Assert.True(refused.Any(line => line.Contains($"listener=\"{listener}\"", StringComparison.Ordinal) && line.Contains("reason=\"per_address\"", StringComparison.Ordinal)),
                $"no per-address refusals counted for {listener}: {string.Join(" | ", refused)}");
    }

    /// <summary>Opens up to <see cref="Flood"/> connections from 127.0.0.1, 200 connects in flight; returns those made.</summary>
    private static async Task<List<Socket>> FloodAsync(int port)
    {
        var made = new ConcurrentBag<Socket>();
        using var inFlight = new SemaphoreSlim(200);
        var target = new IPEndPoint(Flooder, port);
        await Task.WhenAll(Enumerable.Range(0, Flood).Select(async _ =>
        {
            await inFlight.WaitAsync();
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(target, timeout.Token);
                made.Add(socket);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // A full accept backlog drops SYNs: part of flooding, not a failure of the test.
                socket.Dispose();
            }
            finally
            {
                inFlight.Release();
            }
        }));
        return [.. made];
    }

    private static async Task<Socket> ConnectFromLegitimateAsync(int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Legitimate, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        return socket;
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string marker, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static async Task<string> XmppStreamHeaderAsync(int port, CancellationToken ct)
    {
        using var socket = await ConnectFromLegitimateAsync(port, ct);
        await socket.SendAsync(Encoding.UTF8.GetBytes("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' " +
            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"), SocketFlags.None, ct);
        return await ReadUntilAsync(socket, "</stream:features>", ct);
    }

    private static async Task<string> MqttConnectAsync(int port, CancellationToken ct)
    {
        using var socket = await ConnectFromLegitimateAsync(port, ct);
        // MQTT 3.1.1 CONNECT (§3.1): clean session, user name and password flags, keep-alive 30 s, a demo agent's login.
        var payload = new List<byte>();
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            payload.Add((byte)(bytes.Length >> 8));
            payload.Add((byte)bytes.Length);
            payload.AddRange(bytes);
        }
        Text("MQTT");
        payload.AddRange(new byte[] { 4, 0b1100_0010, 0, 30 });
        Text("flood-probe");
        Text("alice");
        Text("demo-alice");
        byte[] connect = [0x10, (byte)payload.Count, .. payload];
        await socket.SendAsync(connect, SocketFlags.None, ct);
        var connack = new byte[4];
        var read = 0;
        while (read < 4)
        {
            var n = await socket.ReceiveAsync(connack.AsMemory(read), SocketFlags.None, ct);
            if (n == 0) return $"closed after {read} bytes";
            read += n;
        }
        return connack[0] == 0x20 && connack[1] == 2 ? $"CONNACK {connack[3]}" : Convert.ToHexString(connack);
    }

    private static Task<string> HttpGetAsync(int port, CancellationToken ct) => HttpGetAsync(port, "/healthz", ct);

    private static async Task<string> HttpGetAsync(int port, string path, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = await ConnectFromLegitimateAsync(context.DnsEndPoint.Port, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { Timeout = Guard };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return path == "/healthz" ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : body;
    }

    private static async Task<string> SipOptionsAsync(int port, CancellationToken ct)
    {
        using var socket = await ConnectFromLegitimateAsync(port, ct);
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var options = $"OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.2:{local.Port};branch=z9hG4bKflood1\r\n" +
            "From: <sip:probe@127.0.0.2>;tag=flood\r\nTo: <sip:localhost>\r\nCall-ID: flood-probe-1\r\nCSeq: 1 OPTIONS\r\n" +
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(options), SocketFlags.None, ct);
        return await ReadUntilAsync(socket, "\r\n\r\n", ct);
    }
}
