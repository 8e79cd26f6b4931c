using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Ccgw.Testing;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Transport;

/// <summary>TCP framing, error handling and idle limit over real loopback sockets.</summary>
public class StreamTransportTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static async Task<SipStack> StartAsync(TimeProvider time)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stack = new SipStack(new SipStackOptions
            {
                Transport = new SipTransportOptions { Udp = null, Tcp = new IPEndPoint(IPAddress.Loopback, 0), StreamIdleTimeout = TimeSpan.FromSeconds(30) },
            }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), time);
            try
            {
                stack.Start();
                return stack;
            }
            catch (SocketException) when (attempt < 3)
            {
                await stack.DisposeAsync();
            }
        }
    }

    private static string Options(int n) => $"""
        OPTIONS sip:gw@127.0.0.1 SIP/2.0
        Via: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKtcp{n}
        From: <sip:t@127.0.0.1>;tag=t{n}
        To: <sip:gw@127.0.0.1>
        Call-ID: tcp-{n}
        CSeq: {n} OPTIONS
        Max-Forwards: 70
        Content-Length: 0


        """;

    private static async Task<List<SipResponse>> ReadResponsesAsync(NetworkStream stream, int count)
    {
        var buffer = new byte[65536];
        var pending = new List<byte>();
        var result = new List<SipResponse>();
        using var cts = new CancellationTokenSource(Guard);
        while (result.Count < count)
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0) break;
            pending.AddRange(buffer.AsSpan(0, n).ToArray());
            var seq = new System.Buffers.ReadOnlySequence<byte>(pending.ToArray());
            while (SipMessageParser.TryReadStreamMessage(ref seq, out var m) == SipFrameStatus.Message) result.Add((SipResponse)m!);
            pending = seq.ToArray().ToList();
        }
        return result;
    }

    [Fact]
    public async Task Pipelined_and_fragmented_requests_on_one_connection_are_all_answered()
    {
        await using var stack = await StartAsync(TimeProvider.System);
        using var client = new TcpClient();
        await client.ConnectAsync(stack.TcpEndPoint!);
        var stream = client.GetStream();
        await stream.WriteAsync(Wire(Options(1) + Options(2)));
        var third = Wire(Options(3));
        foreach (var chunk in third.Chunk(7)) await stream.WriteAsync(chunk);
        var responses = await ReadResponsesAsync(stream, 3);
        Assert.Equal(["tcp-1", "tcp-2", "tcp-3"], responses.Select(r => r.CallId).Order());
        Assert.All(responses, r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public async Task A_framing_error_is_answered_400_and_the_connection_closed()
    {
        await using var stack = await StartAsync(TimeProvider.System);
        using var client = new TcpClient();
        await client.ConnectAsync(stack.TcpEndPoint!);
        var stream = client.GetStream();
        await stream.WriteAsync(Wire(Options(1).Replace("Content-Length: 0", "Content-Length: -5")));
        var responses = await ReadResponsesAsync(stream, 2);
        Assert.Equal(400, Assert.Single(responses).StatusCode);
    }

    [Fact]
    public async Task Requests_framed_before_a_framing_error_are_still_answered_before_the_connection_closes()
    {
        await using var stack = await StartAsync(TimeProvider.System);
        using var client = new TcpClient();
        await client.ConnectAsync(stack.TcpEndPoint!);
        var stream = client.GetStream();
        // RFC 4475 dblreq over a stream: good requests, then bytes that cannot be framed, all in one write.
        await stream.WriteAsync(Wire(Options(1) + Options(2) + Options(3).Replace("Content-Length: 0", "Content-Length: x")));
        var responses = await ReadResponsesAsync(stream, 4); // ends at the close: never more than three come

        Assert.Equal(3, responses.Count);
        Assert.Equal([200, 200], responses.Where(r => r.CallId is "tcp-1" or "tcp-2").OrderBy(r => r.CallId).Select(r => r.StatusCode));
        Assert.Equal(400, Assert.Single(responses, r => r.CallId is not ("tcp-1" or "tcp-2")).StatusCode);
    }

    [Fact]
    public async Task Idle_connections_are_closed_by_the_injected_clock()
    {
        var time = new ManualTimeProvider();
        await using var stack = await StartAsync(time);
        using var client = new TcpClient();
        await client.ConnectAsync(stack.TcpEndPoint!);
        var stream = client.GetStream();
        await stream.WriteAsync(Wire(Options(1)));
        Assert.Single(await ReadResponsesAsync(stream, 1));
        var read = stream.ReadAsync(new byte[16]).AsTask();
        // The server arms its idle timer when it goes back to reading; keep advancing until it fires.
        using var cts = new CancellationTokenSource(Guard);
        while (!read.IsCompleted && !cts.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromSeconds(31));
            await Task.WhenAny(read, Task.Delay(50, cts.Token));
        }
        Assert.Equal(0, await read);
    }
}
