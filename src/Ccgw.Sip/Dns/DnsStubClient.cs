using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Ccgw.Sip.Dns;

/// <summary>How a lookup ended: records, the name exists without that type, the name does not exist, or no server answered usefully.</summary>
internal enum DnsOutcome
{
    Answered,
    NoData,
    NameError,
    Failed,
}

/// <summary>The records of the asked type (at the end of any CNAME chain), and how long they may be kept.</summary>
internal sealed record DnsAnswer(DnsOutcome Outcome, IReadOnlyList<DnsRecord> Records, TimeSpan TimeToLive)
{
    public static DnsAnswer Failed { get; } = new(DnsOutcome.Failed, [], TimeSpan.Zero);
}

/// <summary>
/// A stub resolver (RFC 1035 §7) for the record types SIP needs beyond A/AAAA: it sends recursive queries to the
/// configured servers and caches what they say for the records' TTL. Each query has a fresh random ID and its own
/// socket (so an OS-chosen ephemeral source port), and only a response from the server we asked, with our ID and our
/// question echoed, is accepted: the rest are dropped (RFC 5452 §9.1). UDP first (2 s, 2 tries per server, then the
/// next server); a truncated answer (TC=1) is asked again over TCP with its 2-octet length prefix (RFC 1035 §4.2.2).
/// NXDOMAIN is an answer; SERVFAIL, REFUSED and the like make us ask the next server.
/// </summary>
public sealed class DnsStubClient
{
    internal static readonly TimeSpan MaxPositiveTtl = TimeSpan.FromHours(1);
    internal static readonly TimeSpan MaxNegativeTtl = TimeSpan.FromMinutes(5);
    private const int MaxCnameHops = 8;

    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly TimeProvider _time;
    private readonly ISipLog _log;
    private readonly Dictionary<(string Name, DnsRecordType Type), (DnsAnswer Answer, DateTimeOffset Expires)> _cache = [];
    private readonly Lock _cacheLock = new();

    public DnsStubClient(IReadOnlyList<IPEndPoint> servers, TimeProvider time, ISipLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(time);
        _servers = [.. servers];
        _time = time;
        _log = log ?? NullSipLog.Instance;
    }

    public IReadOnlyList<IPEndPoint> Servers => _servers;

    internal TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    internal int TriesPerServer { get; init; } = 2;

    internal int CacheCapacity { get; init; } = 512;

    internal int CachedCount
    {
        get
        {
            lock (_cacheLock) return _cache.Count;
        }
    }

    /// <summary>The <c>nameserver</c> lines of a resolv.conf (port 53), in order; none when the file is missing.</summary>
    public static IReadOnlyList<IPEndPoint> ReadResolvConf(string path = "/etc/resolv.conf")
    {
        if (!File.Exists(path)) return [];
        var servers = new List<IPEndPoint>();
        foreach (var line in File.ReadLines(path))
        {
            var text = line.AsSpan().Trim();
            const string keyword = "nameserver";
            if (!text.StartsWith(keyword, StringComparison.Ordinal) || text.Length == keyword.Length || !char.IsWhiteSpace(text[keyword.Length]))
                continue;
            var value = text[keyword.Length..].TrimStart();
            var end = value.IndexOfAny(" \t#;");
            if (end >= 0) value = value[..end];
            if (IPAddress.TryParse(value, out var address)) servers.Add(new IPEndPoint(address, 53));
        }
        return servers;
    }

    internal async Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = name.TrimEnd('.');
        var key = (name.ToLowerInvariant(), type);
        var now = _time.GetUtcNow();
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                if (cached.Expires > now) return cached.Answer;
                _cache.Remove(key);
            }
        }
        var answer = await LookupAsync(name, type, cancellationToken);
        if (answer.Outcome != DnsOutcome.Failed && answer.TimeToLive > TimeSpan.Zero) Remember(key, answer, _time.GetUtcNow());
        return answer;
    }

    private void Remember((string, DnsRecordType) key, DnsAnswer answer, DateTimeOffset now)
    {
        lock (_cacheLock)
        {
            if (_cache.Count >= CacheCapacity && !_cache.ContainsKey(key))
            {
                foreach (var stale in _cache.Where(kv => kv.Value.Expires <= now).Select(kv => kv.Key).ToList()) _cache.Remove(stale);
                // Still full of live entries: drop the one that would go soonest anyway.
                if (_cache.Count >= CacheCapacity) _cache.Remove(_cache.MinBy(kv => kv.Value.Expires).Key);
            }
            _cache[key] = (answer, now + answer.TimeToLive);
        }
    }

    private async Task<DnsAnswer> LookupAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        try
        {
            // A name DNS cannot carry (config checks catch most) fails here once rather than per server.
            _ = DnsCodec.EncodeQuery(0, name, type);
        }
        catch (ArgumentException e)
        {
            Log(SipLogLevel.Debug, $"DNS: not asking for '{name}': {e.Message}");
            return DnsAnswer.Failed;
        }
        foreach (var server in _servers)
        {
            var response = await ExchangeUdpAsync(server, name, type, cancellationToken);
            if (response is null) continue;
            switch (response.ResponseCode)
            {
                case DnsResponseCode.NoError:
                    return Interpret(response, name, type);
                case DnsResponseCode.NameError:
                    return new DnsAnswer(DnsOutcome.NameError, [], NegativeTtl(response));
                default:
                    Log(SipLogLevel.Debug, $"DNS: {server} answered {response.ResponseCode} for {name} {type}; asking the next server");
                    continue;
            }
        }
        Log(SipLogLevel.Debug, $"DNS: no server answered for {name} {type}");
        return DnsAnswer.Failed;
    }

    /// <summary>The asked type's records for <paramref name="name"/>, following CNAMEs inside the answer section (bounded).</summary>
    internal static DnsAnswer Interpret(DnsMessage response, string name, DnsRecordType type)
    {
        var current = name;
        var ttl = MaxPositiveTtl;
        for (var hop = 0; hop <= MaxCnameHops; hop++)
        {
            var matches = response.Answers.Where(r => r.Type == type && r.Class == DnsCodec.ClassInternet && SameName(r.Name, current)).ToList();
            if (matches.Count > 0)
            {
                foreach (var r in matches) ttl = Min(ttl, TimeSpan.FromSeconds(r.Ttl));
                return new DnsAnswer(DnsOutcome.Answered, matches, ttl);
            }
            var alias = response.Answers.FirstOrDefault(r => r.Type == DnsRecordType.Cname && r.Target is not null && SameName(r.Name, current));
            if (alias is null) break;
            ttl = Min(ttl, TimeSpan.FromSeconds(alias.Ttl));
            current = alias.Target!;
        }
        return new DnsAnswer(DnsOutcome.NoData, [], NegativeTtl(response));
    }

    /// <summary>RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM); without an SOA it is not cached.</summary>
    private static TimeSpan NegativeTtl(DnsMessage response) =>
        response.Authorities.FirstOrDefault(r => r.NegativeTtl is not null) is { NegativeTtl: { } seconds }
            ? Min(MaxNegativeTtl, TimeSpan.FromSeconds(seconds))
            : TimeSpan.Zero;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    internal static bool SameName(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    private static bool IsAnswerTo(DnsMessage message, ushort id, string name, DnsRecordType type) =>
        message.IsResponse && message.Id == id && message.Opcode == 0 && message.Questions.Count == 1
        && message.Questions[0].Type == type && message.Questions[0].Class == DnsCodec.ClassInternet
        && SameName(message.Questions[0].Name, name);

    private async Task<DnsMessage?> ExchangeUdpAsync(IPEndPoint server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= TriesPerServer; attempt++)
        {
            var id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
            var query = DnsCodec.EncodeQuery(id, name, type);
            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var timeout = new CancellationTokenSource(Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                // A socket per query: the OS picks a fresh random ephemeral port, the other half of spoofing defence.
                socket.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
                await socket.SendToAsync(query, server, linked.Token);
                var buffer = new byte[65535];
                var any = new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, any, linked.Token);
                    if (!server.Equals(received.RemoteEndPoint))
                    {
                        Log(SipLogLevel.Debug, $"DNS: dropped a datagram from {received.RemoteEndPoint} while waiting for {server}");
                        continue;
                    }
                    if (!TryParse(buffer.AsSpan(0, received.ReceivedBytes), server, out var message)) continue;
                    if (!IsAnswerTo(message, id, name, type))
                    {
                        Log(SipLogLevel.Debug, $"DNS: dropped a response from {server} that does not answer our query (id or question differ)");
                        continue;
                    }
                    if (message.Truncated) return await ExchangeTcpAsync(server, name, type, cancellationToken);
                    return message;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Log(SipLogLevel.Debug, $"DNS: {server} did not answer {name} {type} within {Timeout.TotalSeconds:0.#} s (try {attempt} of {TriesPerServer})");
            }
            catch (SocketException e)
            {
                Log(SipLogLevel.Debug, $"DNS: asking {server} for {name} {type} failed: {e.SocketErrorCode}");
                return null;
            }
        }
        return null;
    }

    private async Task<DnsMessage?> ExchangeTcpAsync(IPEndPoint server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
        var query = DnsCodec.EncodeQuery(id, name, type);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        using var timeout = new CancellationTokenSource(Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server, linked.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(framed, linked.Token);
            var prefix = new byte[2];
            await stream.ReadExactlyAsync(prefix, linked.Token);
            var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            await stream.ReadExactlyAsync(message, linked.Token);
            if (TryParse(message, server, out var parsed) && IsAnswerTo(parsed, id, name, type)) return parsed;
            Log(SipLogLevel.Debug, $"DNS: {server} over TCP did not answer our query for {name} {type}");
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log(SipLogLevel.Debug, $"DNS: {server} over TCP did not answer {name} {type} within {Timeout.TotalSeconds:0.#} s");
            return null;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Log(SipLogLevel.Debug, $"DNS: asking {server} over TCP for {name} {type} failed: {e.Message}");
            return null;
        }
    }

    private bool TryParse(ReadOnlySpan<byte> data, IPEndPoint server, out DnsMessage message)
    {
        try
        {
            message = DnsCodec.Parse(data);
            return true;
        }
        catch (DnsFormatException e)
        {
            Log(SipLogLevel.Debug, $"DNS: dropped a malformed response from {server}: {e.Message}");
            message = null!;
            return false;
        }
    }

    private void Log(SipLogLevel level, string message)
    {
        if (_log.IsEnabled(level)) _log.Log(level, message);
    }
}
