using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Security;

/// <summary>Why a connection was not admitted.</summary>
public enum ConnectionRefusal
{
    None,
    /// <summary>The listener already holds its maximum of connections.</summary>
    Total,
    /// <summary>The connection's address already holds its share (mosquitto's max_connections, nginx's limit_conn).</summary>
    PerAddress,
}

/// <summary>
/// Caps on one listener's open connections, in total and per source address, whatever the protocol (SIP TCP/TLS,
/// XMPP, MQTT, HTTP). A listener asks <see cref="TryAdmit"/> right after accepting, before any TLS handshake or
/// parsing, and closes the connection at once when refused: one address's flood then costs a descriptor for a
/// moment and leaves room for everyone else. Each listener has its own instance.
/// </summary>
public sealed partial class ConnectionCaps
{
    private readonly string _listener;
    // Changed by a reload (SetLimits) under the gate; volatile for the log line that reads them outside it.
    private volatile int _maxTotal;
    private volatile int _maxPerAddress;
    private readonly ILogger _log;
    private readonly Counter<long>? _refused;
    private readonly Dictionary<IPAddress, Entry> _byAddress = [];
    private readonly Lock _gate = new();
    private int _total;
    private bool _totalRefusing;

    private sealed class Entry
    {
        public int Open;
        // Set at an address's first refusal and cleared when it is next admitted, so that a flood is logged once
        // per episode instead of once per connection (the counter in /metrics has every one).
        public bool Refusing;
    }

    /// <param name="listener">The listener's name in logs and in the <c>listener</c> label (http, xmpp, mqtt, sip-tcp, sip-tls).</param>
    /// <param name="meter">Where the refusals counter lives; null in unit tests that do not look at metrics.</param>
    public ConnectionCaps(string listener, int maxTotal, int maxPerAddress, ILogger log, Meter? meter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        _listener = listener;
        _maxTotal = maxTotal;
        _maxPerAddress = maxPerAddress;
        _log = log;
        _refused = meter?.CreateCounter<long>("ccgw.listener.connections.refused", "{connection}",
            "Connections closed right after accept because a cap was reached, by listener and reason (total, per_address)");
    }

    public const string MeterName = "Ccgw.Listeners";

    /// <summary>
    /// New caps from a reload: the next connection is admitted against them; connections already open stay open even
    /// above a lowered cap (they count, so no new one is admitted until enough have closed).
    /// </summary>
    public void SetLimits(int maxTotal, int maxPerAddress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        lock (_gate)
        {
            _maxTotal = maxTotal;
            _maxPerAddress = maxPerAddress;
        }
    }

    /// <summary>Connections admitted and not yet released.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate) return _total;
        }
    }

    /// <summary>
    /// Admits a connection from <paramref name="address"/> (null: unknown, e.g. a Unix socket, counted only in the
    /// total). When admitted, dispose the returned lease when the connection ends; when refused, the lease is null.
    /// </summary>
    public IDisposable? TryAdmit(IPAddress? address, out ConnectionRefusal refusal)
    {
        address = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
        bool firstOfEpisode;
        lock (_gate)
        {
            Entry? entry = null;
            if (address is not null && !_byAddress.TryGetValue(address, out entry))
            {
                entry = new Entry();
                _byAddress[address] = entry;
            }
            if (entry is not null && entry.Open >= _maxPerAddress) refusal = ConnectionRefusal.PerAddress;
            else if (_total >= _maxTotal) refusal = ConnectionRefusal.Total;
            else refusal = ConnectionRefusal.None;

            if (refusal == ConnectionRefusal.None)
            {
                _total++;
                _totalRefusing = false;
                if (entry is not null)
                {
                    entry.Open++;
                    entry.Refusing = false;
                }
                return new Lease(this, address);
            }
            if (refusal == ConnectionRefusal.Total)
            {
                // The entry was made for this connection only; nothing of this address stays open.
                if (entry is { Open: 0 }) _byAddress.Remove(address!);
                firstOfEpisode = !_totalRefusing;
                _totalRefusing = true;
            }
            else
            {
                firstOfEpisode = !entry!.Refusing;
                entry.Refusing = true;
            }
        }
        _refused?.Add(1, new KeyValuePair<string, object?>("listener", _listener),
            new KeyValuePair<string, object?>("reason", refusal == ConnectionRefusal.Total ? "total" : "per_address"));
        if (firstOfEpisode)
        {
            if (refusal == ConnectionRefusal.Total) LogTotalReached(_log, _listener, _maxTotal, address);
            else LogPerAddressReached(_log, _listener, address!, _maxPerAddress);
        }
        return null;
    }

    private void Release(IPAddress? address)
    {
        lock (_gate)
        {
            _total--;
            if (address is null || !_byAddress.TryGetValue(address, out var entry)) return;
            // An address with no open connection is forgotten, so the table holds at most one entry per connection.
            if (--entry.Open <= 0) _byAddress.Remove(address);
        }
    }

    private sealed class Lease(ConnectionCaps owner, IPAddress? address) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(address);
        }
    }

    [LoggerMessage(EventId = 16700, Level = LogLevel.Warning, Message = "{Listener}: {Address} holds its maximum of {Max} connections (Listeners:MaxConnectionsPerAddress); closing its further connections until one ends")]
    private static partial void LogPerAddressReached(ILogger logger, string listener, IPAddress address, int max);

    [LoggerMessage(EventId = 16701, Level = LogLevel.Warning, Message = "{Listener}: the maximum of {Max} open connections is reached (Listeners:MaxConnections); closing new connections (the latest from {Address}) until one ends")]
    private static partial void LogTotalReached(ILogger logger, string listener, int max, IPAddress? address);
}
