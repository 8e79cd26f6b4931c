using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Bench.Abuse;

/// <summary>A response as the bench needs it: status, headers by lower-case name (first value), body.</summary>
internal sealed record SipReply(int Status, string CallId, string CSeqMethod, Dictionary<string, string> Headers, string Body, string Raw)
{
    public static SipReply? Parse(string text)
    {
        if (!text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) || text.Length < 12) return null;
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = line[..colon].Trim() switch { "i" => "Call-ID", "t" => "To", "m" => "Contact", "f" => "From", var n => n };
            headers.TryAdd(name, line[(colon + 1)..].Trim());
        }
        var cseq = headers.GetValueOrDefault("CSeq", "0 X");
        return new SipReply(int.Parse(text.AsSpan(8, 3), System.Globalization.CultureInfo.InvariantCulture),
            headers.GetValueOrDefault("Call-ID", ""), cseq[(cseq.IndexOf(' ', StringComparison.Ordinal) + 1)..], headers, body, text);
    }
}

/// <summary>
/// A minimal SIP UDP endpoint bound to one local address: sends requests, hands each response to whoever waits for
/// its Call-ID, and counts every response by status (what a flooder sees). Load-generation code, not a SIP stack.
/// </summary>
internal sealed class SipUdp : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SipReply>> _waiting = new();
    private readonly ConcurrentDictionary<int, int> _statusCounts = new();
    private readonly ConcurrentDictionary<string, byte> _answered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    public SipUdp(IPAddress local, IPEndPoint server)
    {
        Server = server;
        _socket.ReceiveBufferSize = 4 << 20;
        _socket.Bind(new IPEndPoint(local, 0));
        Local = (IPEndPoint)_socket.LocalEndPoint!;
        _receiving = ReceiveAsync();
    }

    public IPEndPoint Local { get; }
    public IPEndPoint Server { get; }

    /// <summary>Responses seen so far by status code (every response, provisional ones included).</summary>
    public IReadOnlyDictionary<int, int> StatusCounts => _statusCounts;

    /// <summary>Distinct Call-IDs that got a 2xx to an INVITE.</summary>
    public int AnsweredInvites => _answered.Count;

    /// <summary>Called for each 2xx to an INVITE (the RTP row ACKs its call; floods do not).</summary>
    public Action<SipReply>? OnInviteAnswered { get; set; }

    public void Send(string message)
    {
        try
        {
            _socket.SendTo(Encoding.ASCII.GetBytes(message), Server);
        }
        catch (SocketException)
        {
            // ICMP unreachable from an earlier datagram surfaces on a later send; the flood keeps going.
        }
    }

    /// <summary>Sends <paramref name="message"/> (Call-ID <paramref name="callId"/>) and waits for its final response.</summary>
    public async Task<SipReply?> RequestAsync(string callId, string message, TimeSpan timeout)
    {
        var reply = new TaskCompletionSource<SipReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[callId] = reply;
        try
        {
            Send(message);
            // One retransmission halfway, as a UDP client would (a dropped datagram is not a refusal).
            var first = await Task.WhenAny(reply.Task, Task.Delay(timeout / 2));
            if (first != reply.Task) Send(message);
            return await Task.WhenAny(reply.Task, Task.Delay(timeout / 2)) == reply.Task ? await reply.Task : null;
        }
        finally
        {
            _waiting.TryRemove(callId, out _);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                n = result.ReceivedBytes;
            }
            catch (OperationCanceledException)
            {
                return; // disposed
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable for an earlier send; keep receiving
            }
            var reply = SipReply.Parse(Encoding.ASCII.GetString(buffer, 0, n));
            if (reply is null) continue;
            _statusCounts.AddOrUpdate(reply.Status, 1, (_, c) => c + 1);
            if (reply.CSeqMethod == "INVITE" && reply.Status is >= 200 and < 300 && _answered.TryAdd(reply.CallId, 0))
                OnInviteAnswered?.Invoke(reply);
            if (reply.Status >= 200 && _waiting.TryGetValue(reply.CallId, out var waiter)) waiter.TrySetResult(reply);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _receiving;
        _socket.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Request text and RFC 2617 digest answers.</summary>
internal static class SipText
{
    public static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string Register(IPEndPoint local, IPEndPoint server, string domain, string user, string callId, int cseq, string? authorization) =>
        $"REGISTER sip:{domain} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{Token()};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:{user}@{domain}>;tag={callId[..8]}\r\n" +
        $"To: <sip:{user}@{domain}>\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: {cseq} REGISTER\r\n" +
        $"Contact: <sip:{user}@{local}>\r\n" +
        "Expires: 60\r\n" +
        (authorization is null ? "" : $"Authorization: {authorization}\r\n") +
        "Content-Length: 0\r\n\r\n";

    public static string Options(IPEndPoint local, IPEndPoint server, string domain, string callId) =>
        $"OPTIONS sip:{domain} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{Token()};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:probe@{local}>;tag={callId[..8]}\r\n" +
        $"To: <sip:{domain}>\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>An INVITE to DID <paramref name="did"/> with PCMU + telephone-event SDP pointing at <paramref name="rtpPort"/>.</summary>
    public static string Invite(IPEndPoint local, IPEndPoint server, string did, string callId, int rtpPort)
    {
        var sdp = $"v=0\r\no=bench 1 1 IN IP4 {local.Address}\r\ns=-\r\nc=IN IP4 {local.Address}\r\nt=0 0\r\n" +
                  $"m=audio {rtpPort} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
        return $"INVITE sip:{did}@{server} SIP/2.0\r\n" +
               $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{Token()};rport\r\n" +
               "Max-Forwards: 70\r\n" +
               $"From: <sip:caller@{local}>;tag={callId[..8]}\r\n" +
               $"To: <sip:{did}@{server}>\r\n" +
               $"Call-ID: {callId}\r\n" +
               "CSeq: 1 INVITE\r\n" +
               $"Contact: <sip:caller@{local}>\r\n" +
               "Content-Type: application/sdp\r\n" +
               $"Content-Length: {sdp.Length}\r\n\r\n" + sdp;
    }

    /// <summary>ACK (CSeq 1) or BYE (CSeq 2) in the dialog a 2xx to our INVITE set up.</summary>
    public static string InDialog(string method, IPEndPoint local, SipReply answer, string from)
    {
        var contact = answer.Headers.GetValueOrDefault("Contact", "");
        var target = contact.Contains('<', StringComparison.Ordinal) ? contact[(contact.IndexOf('<', StringComparison.Ordinal) + 1)..contact.IndexOf('>', StringComparison.Ordinal)] : contact;
        return $"{method} {target} SIP/2.0\r\n" +
               $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{Token()};rport\r\n" +
               "Max-Forwards: 70\r\n" +
               $"From: {from}\r\n" +
               $"To: {answer.Headers["To"]}\r\n" +
               $"Call-ID: {answer.CallId}\r\n" +
               $"CSeq: {(method == "ACK" ? 1 : 2)} {method}\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    /// <summary>The Authorization header answering a Digest challenge (MD5, qop=auth when offered).</summary>
    public static string? Answer(SipReply challenge, string user, string password, string uri, string method)
    {
        if (!challenge.Headers.TryGetValue("WWW-Authenticate", out var header)) return null;
        string? Param(string name)
        {
            var at = header.IndexOf(name + "=", StringComparison.OrdinalIgnoreCase);
            if (at < 0) return null;
            var value = header[(at + name.Length + 1)..];
            if (value.StartsWith('"')) return value[1..value.IndexOf('"', 1)];
            var end = value.IndexOf(',', StringComparison.Ordinal);
            return (end < 0 ? value : value[..end]).Trim();
        }
        var realm = Param("realm") ?? "";
        var nonce = Param("nonce") ?? "";
        var qop = Param("qop");
        var ha1 = Md5($"{user}:{realm}:{password}");
        var ha2 = Md5($"{method}:{uri}");
        if (qop is null)
            return $"Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{Md5($"{ha1}:{nonce}:{ha2}")}\", algorithm=MD5";
        var cnonce = Token();
        return $"Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", " +
               $"response=\"{Md5($"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"";
    }

#pragma warning disable CA5351 // The client's side of RFC 2617 digest: MD5 is the algorithm the daemon offers first.
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
