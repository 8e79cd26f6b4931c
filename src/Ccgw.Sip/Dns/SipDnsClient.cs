using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Sip.Dns;

/// <summary>How a lookup ended: records, the name exists without that type, the name does not exist, or no server answered usefully.</summary>
internal enum DnsOutcome
{
    Answered,
    NoData,
    NameError,
    Failed,
}

/// <summary>
/// The SRV and A/AAAA lookups SIP needs beyond the system resolver, through DnsClient's <see cref="LookupClient"/>
/// (recursive queries to the configured servers, RFC 1035 §7). What DnsClient does: the wire format, a fresh random
/// ID per query and a response with another ID is a retry, not an answer; UDP with EDNS(0) first, TCP when the answer
/// is truncated (TC=1); timeouts and retries. What this class adds, where DnsClient does it otherwise:
/// <list type="bullet">
/// <item>The servers are asked in the configured order, one after the other, and NXDOMAIN from one of them is the
/// answer (DnsClient's <c>ContinueOnDnsError</c> would ask the next server about it, and a dead second server would
/// turn every "no SRV records" into a failure); SERVFAIL, REFUSED or a timeout make us ask the next one.</item>
/// <item>A response must echo our question (RFC 5452 §9.1), which DnsClient does not check.</item>
/// <item>The cache: DnsClient's would keep a response before we could check its question, keyed by the name's case,
/// on the wall clock; ours keeps only checked answers, for their TTL (at most an hour) on the injected
/// <see cref="TimeProvider"/>, bounded in size. Negative answers are left to the resolver's cache (RFC 2308).</item>
/// </list>
/// </summary>
public sealed class SipDnsClient
{
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
    internal static readonly TimeSpan MaxPositiveTtl = TimeSpan.FromHours(1);

    private readonly LookupClient? _client;
    private readonly NameServer[] _servers;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Name, QueryType Type), (IReadOnlyList<DnsResourceRecord> Records, DateTimeOffset Expires)> _cache = [];
    private readonly Lock _cacheLock = new();

    /// <param name="servers">Asked in this order; none makes every lookup fail at once.</param>
    public SipDnsClient(IReadOnlyList<IPEndPoint> servers, TimeProvider time, ILogger? log = null)
        : this(servers, time, DefaultTimeout, log)
    {
    }

    /// <param name="timeout">How long one try waits for an answer (two tries per server); tests shorten it.</param>
    internal SipDnsClient(IReadOnlyList<IPEndPoint> servers, TimeProvider time, TimeSpan timeout, ILogger? log)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(time);
        _servers = [.. servers.Select(s => new NameServer(s))];
        Servers = [.. servers];
        _time = time;
        _log = log ?? NullLogger.Instance;
        if (_servers.Length == 0) return;
        _client = new LookupClient(new LookupClientOptions(_servers)
        {
            Timeout = timeout,
            Retries = 1,
            UseCache = false,
            UseTcpFallback = true,
            UseRandomNameServer = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            ThrowDnsErrors = false,
        });
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    internal int CacheCapacity { get; init; } = 512;

    internal int CachedCount
    {
        get
        {
            lock (_cacheLock) return _cache.Count;
        }
    }

    /// <summary>The <c>nameserver</c> lines of /etc/resolv.conf (port 53), in order, read by DnsClient; none when the file is missing.</summary>
    public static IReadOnlyList<IPEndPoint> SystemServers() =>
        [.. NameServer.ResolveNameServersNative().Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port))];

    /// <summary>The records of <paramref name="type"/> in the first useful answer, asking the servers in order.</summary>
    internal async Task<(DnsOutcome Outcome, IReadOnlyList<DnsResourceRecord> Records)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_client is null) return (DnsOutcome.Failed, []);
        var key = (name.TrimEnd('.').ToLowerInvariant(), type);
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                if (cached.Expires > _time.GetUtcNow()) return (DnsOutcome.Answered, cached.Records);
                _cache.Remove(key);
            }
        }
        DnsQuestion question;
        try
        {
            question = new DnsQuestion(key.Item1 + ".", type);
        }
        catch (ArgumentException e)
        {
            // A name DNS cannot carry (config checks catch most): fails once rather than per server.
            _log.DnsNameRefused(name, e.Message);
            return (DnsOutcome.Failed, []);
        }
        foreach (var server in _servers)
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.QueryServerAsync([server], question, cancellationToken);
            }
            catch (Exception e) when (e is DnsResponseException or DnsXidMismatchException or DnsResponseParseException)
            {
                // Timeouts after both tries, socket errors, spoofed or malformed answers: the next server may do better.
                _log.DnsServerFailed(server, name, type, e.Message);
                continue;
            }
            if (!response.Questions.Any(q => q.QuestionType == type && SameName(q.QueryName.Value, question.QueryName.Value)))
            {
                _log.DnsWrongQuestion(server, name, type);
                continue;
            }
            switch (response.Header.ResponseCode)
            {
                case DnsHeaderResponseCode.NoError:
                    var records = response.Answers.Where(r => (int)r.RecordType == (int)type).ToList();
                    if (records.Count == 0) return (DnsOutcome.NoData, []);
                    Remember(key, records);
                    return (DnsOutcome.Answered, records);
                case DnsHeaderResponseCode.NotExistentDomain:
                    return (DnsOutcome.NameError, []);
                default:
                    _log.DnsServerRefused(server, response.Header.ResponseCode, name, type);
                    continue;
            }
        }
        _log.DnsNoServerAnswered(name, type);
        return (DnsOutcome.Failed, []);
    }

    /// <summary>Keeps an answer for its smallest TTL, at most an hour; when full, expired entries go, then the soonest to expire.</summary>
    private void Remember((string, QueryType) key, List<DnsResourceRecord> records)
    {
        var ttl = TimeSpan.FromSeconds(records.Min(r => r.InitialTimeToLive));
        if (ttl <= TimeSpan.Zero) return;
        if (ttl > MaxPositiveTtl) ttl = MaxPositiveTtl;
        var now = _time.GetUtcNow();
        lock (_cacheLock)
        {
            if (_cache.Count >= CacheCapacity && !_cache.ContainsKey(key))
            {
                foreach (var stale in _cache.Where(kv => kv.Value.Expires <= now).Select(kv => kv.Key).ToList()) _cache.Remove(stale);
                if (_cache.Count >= CacheCapacity) _cache.Remove(_cache.MinBy(kv => kv.Value.Expires).Key);
            }
            _cache[key] = (records, now + ttl);
        }
    }

    private static bool SameName(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
