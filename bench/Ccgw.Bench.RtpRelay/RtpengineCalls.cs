using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ccgw.Bench.RelayCost;

/// <summary>
/// N calls set up in rtpengine over its ng control protocol (bencoded dictionaries over UDP, a cookie before each):
/// an offer with side A's SDP gives the port side B sends to, the answer with side B's SDP the port side A sends to.
/// </summary>
internal static class RtpengineCalls
{
    public static async Task SetUpAsync(int calls, IPEndPoint ng, int peerBase)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(ng);
        for (var i = 0; i < calls; i++)
        {
            var callId = $"bench-{i}";
            var toB = await CommandAsync(socket, "offer", callId, peerBase + (2 * i), toTag: null);
            var toA = await CommandAsync(socket, "answer", callId, peerBase + (2 * i) + 1, toTag: "b");
            Console.WriteLine($"call {i} a={toA} b={toB}");
        }
        Console.WriteLine("ready");
    }

    private static async Task<int> CommandAsync(Socket socket, string command, string callId, int mediaPort, string? toTag)
    {
        var sdp = $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {mediaPort} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
        var body = new StringBuilder("d")
            .Append(Bencode("command")).Append(Bencode(command))
            .Append(Bencode("call-id")).Append(Bencode(callId))
            .Append(Bencode("from-tag")).Append(Bencode("a"));
        if (toTag is not null) body.Append(Bencode("to-tag")).Append(Bencode(toTag));
        body.Append(Bencode("sdp")).Append(Bencode(sdp)).Append('e');
        var cookie = $"{callId}-{command}";
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{cookie} {body}"));
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var n = await socket.ReceiveAsync(buffer, timeout.Token);
        var reply = Encoding.ASCII.GetString(buffer, 0, n);
        var m = reply.IndexOf("m=audio ", StringComparison.Ordinal);
        if (!reply.Contains("6:result2:ok", StringComparison.Ordinal) || m < 0)
            throw new InvalidOperationException($"rtpengine refused {command}: {reply}");
        var start = m + "m=audio ".Length;
        return int.Parse(reply.AsSpan(start, reply.IndexOf(' ', start) - start), CultureInfo.InvariantCulture);
    }

    private static string Bencode(string s) => $"{Encoding.ASCII.GetByteCount(s)}:{s}";
}
