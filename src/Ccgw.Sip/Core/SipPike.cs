using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Core;

/// <summary>
/// Per-source request rate limit, after Kamailio's pike module: more than <see cref="Requests"/> requests from one
/// address within <see cref="Window"/> block that address for <see cref="Block"/>; a blocked address's requests are
/// dropped without an answer. Zero requests turns it off.
/// </summary>
public sealed record SipPikeSettings
{
    public int Requests { get; init; }

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Block { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Sources never limited (the trunks' PBXs, whose rate is the whole site's).</summary>
    public Func<IPAddress, bool>? IsExempt { get; init; }

    public static readonly SipPikeSettings Off = new();
}

/// <summary>
/// Counts requests per source address in fixed windows and drops those of a blocked address. Why drop, not 503:
/// over UDP the source address can be forged, so any answer would be reflected at a third party (an amplifier for
/// someone else's flood) and costs us the work we are shedding; Kamailio's pike is used the same way
/// (<c>if (!pike_check_req()) exit;</c>). A genuine client that bursts retransmits (RFC 3261 §17.1.1.2) after the block.
/// </summary>
internal sealed partial class SipPike
{
    private const int MaxTrackedAddresses = 100_000;
    private readonly SipPikeSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Counter<long>? _dropped;
    private readonly Counter<long>? _blocks;
    private readonly Dictionary<IPAddress, Entry> _entries = [];
    private readonly Lock _gate = new();

    private sealed class Entry
    {
        public DateTimeOffset WindowStart;
        public int Count;
        public DateTimeOffset BlockedUntil;
    }

    public SipPike(SipPikeSettings settings, TimeProvider time, ILogger log, Meter? meter)
    {
        _settings = settings;
        _time = time;
        _log = log;
        if (settings.Requests > 0 && meter is not null)
        {
            _dropped = meter.CreateCounter<long>("ccgw.sip.pike.dropped", "{request}", "SIP requests dropped because their source address is blocked (pike)");
            _blocks = meter.CreateCounter<long>("ccgw.sip.pike.blocks", "{block}", "Source addresses blocked for sending SIP requests too fast (pike)");
        }
    }

    /// <summary>Whether a request from <paramref name="source"/> may go on; counts it.</summary>
    public bool Allow(IPAddress source)
    {
        if (_settings.Requests <= 0) return true;
        if (source.IsIPv4MappedToIPv6) source = source.MapToIPv4();
        if (_settings.IsExempt?.Invoke(source) == true) return true;
        var now = _time.GetUtcNow();
        var blockedNow = false;
        lock (_gate)
        {
            if (!_entries.TryGetValue(source, out var entry))
            {
                if (_entries.Count >= MaxTrackedAddresses) Prune(now);
                entry = new Entry { WindowStart = now };
                _entries[source] = entry;
            }
            if (now >= entry.BlockedUntil)
            {
                if (now - entry.WindowStart >= _settings.Window)
                {
                    entry.WindowStart = now;
                    entry.Count = 0;
                }
                if (++entry.Count <= _settings.Requests) return true;
                entry.BlockedUntil = now + _settings.Block;
                entry.Count = 0;
                blockedNow = true;
            }
        }
        _dropped?.Add(1);
        if (blockedNow)
        {
            _blocks?.Add(1);
            LogBlocked(_log, source, _settings.Requests, _settings.Window, _settings.Block);
        }
        return false;
    }

    private void Prune(DateTimeOffset now)
    {
        // Forget addresses that are neither blocked nor within a live window; a table still full (a flood from very
        // many addresses) starts over rather than grow without bound.
        foreach (var (address, entry) in _entries.ToList())
            if (now >= entry.BlockedUntil && now - entry.WindowStart >= _settings.Window) _entries.Remove(address);
        if (_entries.Count >= MaxTrackedAddresses) _entries.Clear();
    }

    [LoggerMessage(EventId = 16720, Level = LogLevel.Warning, Message = "SIP pike: {Source} sent more than {Requests} requests in {Window}; dropping its requests for {Block} (Sip:Pike)")]
    private static partial void LogBlocked(ILogger logger, IPAddress source, int requests, TimeSpan window, TimeSpan block);
}
