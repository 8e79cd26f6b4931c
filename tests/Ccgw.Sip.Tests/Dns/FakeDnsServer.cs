using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>
/// A scripted DNS server on 127.0.0.1 (UDP and TCP on one port) for the DNS client's tests: each query is handed to
/// <see cref="OnUdp"/> / <see cref="OnTcp"/>, which return the datagrams (or the one framed message) to send back.
/// </summary>
internal sealed record DnsQuestionSeen(string Name, QueryType Type);

internal sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public FakeDnsServer()
    {
        // The OS picks a free UDP port; the same TCP port may be taken by another process meanwhile: try another pair.
        for (var attempt = 1; ; attempt++)
        {
            _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
            _tcp = new TcpListener(IPAddress.Loopback, EndPoint.Port);
            try
            {
                _tcp.Start();
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 20)
            {
                _udp.Dispose();
            }
        }
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public Func<byte[], DnsQuestionSeen, IEnumerable<byte[]>> OnUdp { get; set; } = (_, _) => [];

    public Func<byte[], DnsQuestionSeen, byte[]?> OnTcp { get; set; } = (_, _) => null;

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>Released once per UDP query received, so a test can advance time only once the client waits.</summary>
    public SemaphoreSlim Received { get; } = new(0);

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            var query = buffer[..received.ReceivedBytes];
            Interlocked.Increment(ref _udpQueries);
            foreach (var reply in OnUdp(query, Question(query)))
                await _udp.SendToAsync(reply, received.RemoteEndPoint);
            Received.Release();
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix, _stop.Token);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(query, _stop.Token);
                Interlocked.Increment(ref _tcpQueries);
                if (OnTcp(query, Question(query)) is { } reply)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)reply.Length);
                    await stream.WriteAsync(prefix, _stop.Token);
                    await stream.WriteAsync(reply, _stop.Token);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        try
        {
            await Task.WhenAll(_udpLoop, _tcpLoop);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        Received.Dispose();
    }

    /// <summary>The one question of a query: its name (without the root dot) and type.</summary>
    public static DnsQuestionSeen Question(byte[] query)
    {
        var labels = new List<string>();
        var at = 12;
        while (query[at] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, at + 1, query[at]));
            at += query[at] + 1;
        }
        return new DnsQuestionSeen(string.Join('.', labels), (QueryType)BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(at + 1)));
    }

    /// <summary>
    /// The query turned into a response: header and question kept (the client's EDNS OPT record dropped), QR and RA
    /// set, the given RCODE and TC, the answers appended.
    /// </summary>
    public static byte[] Reply(byte[] query, IEnumerable<byte[]>? answers = null, int rcode = 0, bool truncated = false, ushort? id = null)
    {
        var list = answers?.ToList() ?? [];
        var end = 12;
        while (query[end] != 0) end += query[end] + 1;
        var reply = query[..(end + 5)];
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), 0);
        reply[2] = (byte)(0x81 | (truncated ? 0x02 : 0));
        reply[3] = (byte)(0x80 | rcode);
        if (id is { } other) BinaryPrimitives.WriteUInt16BigEndian(reply, other);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(6), (ushort)list.Count);
        return [.. reply, .. list.SelectMany(a => a)];
    }

    /// <summary>An answer owned by the question's name (a pointer to offset 12).</summary>
    public static byte[] Record(QueryType type, byte[] data, uint ttl = 60)
    {
        var r = new byte[12 + data.Length];
        r[0] = 0xC0;
        r[1] = 12;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(2), (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(6), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(10), (ushort)data.Length);
        data.CopyTo(r, 12);
        return r;
    }

    public static byte[] A(string address, uint ttl = 60) => Record(IPAddress.Parse(address).AddressFamily == AddressFamily.InterNetwork ? QueryType.A : QueryType.AAAA, IPAddress.Parse(address).GetAddressBytes(), ttl);

    public static byte[] Srv(ushort priority, ushort weight, ushort port, string target, uint ttl = 60)
    {
        var data = new List<byte>();
        foreach (var v in new[] { priority, weight, port }) data.AddRange([(byte)(v >> 8), (byte)v]);
        data.AddRange(Name(target));
        return Record(QueryType.SRV, [.. data], ttl);
    }

    public static byte[] Name(string name)
    {
        var data = new List<byte>();
        if (name != ".")
            foreach (var label in name.Split('.'))
                data.AddRange([(byte)label.Length, .. Encoding.ASCII.GetBytes(label)]);
        data.Add(0);
        return [.. data];
    }
}
