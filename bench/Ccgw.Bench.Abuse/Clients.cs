using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Ccgw.Bench.Abuse;

/// <summary>Raw-socket protocol clients, each doing one real exchange from a chosen local address.</summary>
internal static class Clients
{
    public static async Task<Socket> ConnectAsync(IPAddress local, IPEndPoint server, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(server, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient whose connections leave from <paramref name="local"/> (the daemon limits per address).</summary>
    public static HttpClient Http(IPAddress local, int port, int maxConnections = 4) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            ConnectCallback = async (context, cancellationToken) =>
                new NetworkStream(await ConnectAsync(local, new IPEndPoint(IPAddress.Loopback, port), cancellationToken), ownsSocket: true),
        })
        { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

    public static StringContent HelpRequest(string number) => new(
        $$"""{"number":"{{number}}","topic":"sales","name":"bench"}""", Encoding.UTF8, "application/json");

    /// <summary>
    /// XMPP c2s up to the SASL verdict: stream, STARTTLS, TLS (the daemon's self-signed certificate is accepted),
    /// stream again, then PLAIN for <paramref name="user"/> or ANONYMOUS when it is null. True on &lt;success/&gt;.
    /// </summary>
    public static async Task<bool> XmppLoginAsync(IPAddress local, IPEndPoint server, string domain, string? user, string? password,
        CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(local, server, cancellationToken);
        await using var network = new NetworkStream(socket, ownsSocket: false);
        var header = $"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
        await WriteAsync(network, header, cancellationToken);
        if (!(await ReadUntilAsync(network, ["</stream:features>"], cancellationToken)).Contains("starttls", StringComparison.Ordinal)) return false;
        await WriteAsync(network, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", cancellationToken);
        if (!(await ReadUntilAsync(network, ["<proceed", "<failure", "</stream:stream>"], cancellationToken)).Contains("<proceed", StringComparison.Ordinal)) return false;
#pragma warning disable CA5359 // The daemon under test presents a self-signed certificate made at its start; loopback only.
        await using var tls = new SslStream(network, leaveInnerStreamOpen: true, (_, _, _, _) => true);
#pragma warning restore CA5359
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = domain }, cancellationToken);
        await WriteAsync(tls, header, cancellationToken);
        await ReadUntilAsync(tls, ["</stream:features>", "</stream:stream>"], cancellationToken);
        var auth = user is null
            ? "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'>=</auth>"
            : $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>";
        await WriteAsync(tls, auth, cancellationToken);
        var verdict = await ReadUntilAsync(tls, ["<success", "<failure", "</stream:stream>"], cancellationToken);
        var ok = verdict.Contains("<success", StringComparison.Ordinal);
        await WriteAsync(tls, "</stream:stream>", cancellationToken);
        return ok;
    }

    /// <summary>MQTT 3.1.1 CONNECT with user name and password; true on CONNACK return code 0. Then DISCONNECT.</summary>
    public static async Task<bool> MqttConnectAsync(IPAddress local, IPEndPoint server, string clientId, string user, string password,
        CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(local, server, cancellationToken);
        await using var network = new NetworkStream(socket, ownsSocket: false);
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0xC2, 0, 60 };
        foreach (var s in new[] { clientId, user, password })
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }
        var packet = new List<byte> { 0x10, (byte)body.Count }; // remaining length < 128 here
        packet.AddRange(body);
        await network.WriteAsync(packet.ToArray(), cancellationToken);
        var connack = new byte[4];
        var read = 0;
        while (read < 4)
        {
            var n = await network.ReadAsync(connack.AsMemory(read), cancellationToken);
            if (n == 0) return false;
            read += n;
        }
        var ok = connack[0] == 0x20 && connack[3] == 0;
        await network.WriteAsync(new byte[] { 0xE0, 0 }, cancellationToken);
        return ok;
    }

    private static async Task WriteAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads until the text so far holds one of <paramref name="markers"/> or the peer closes.</summary>
    private static async Task<string> ReadUntilAsync(Stream stream, string[] markers, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken);
            if (n == 0) return text.ToString();
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
            var s = text.ToString();
            if (markers.Any(m => s.Contains(m, StringComparison.Ordinal))) return s;
        }
    }
}
