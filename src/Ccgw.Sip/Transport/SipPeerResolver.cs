using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Dns;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Sip.Transport;

/// <summary>A configured SIP peer (a trunk's PBX): host name or address, port (null: find it by DNS SRV) and transport, as the admin wrote it.</summary>
public sealed record SipPeer(string Host, int? Port, SipTransportKind Transport)
{
    /// <summary>RFC 3263 §4.2: 5061 for TLS, 5060 otherwise, when neither the config nor SRV gives a port.</summary>
    public int DefaultPort => Transport == SipTransportKind.Tls ? 5061 : 5060;
}

/// <summary>
/// Finds where to send requests for a configured <see cref="SipPeer"/> by RFC 3263 §4.2. The transport is always
/// configured, so the NAPTR step (§4.1) is skipped, as §4.1 allows.
/// <list type="bullet">
/// <item>An IP address: that address, on the configured port or the transport's default.</item>
/// <item>A name with a port: A/AAAA of the name through the system resolver (so /etc/hosts keeps working).</item>
/// <item>A name without a port: SRV <c>_sip._udp</c>, <c>_sip._tcp</c> or <c>_sips._tcp</c> through
/// <see cref="SipDnsClient"/> (DnsClient); the targets in RFC 2782 order and the first with an address wins (no
/// failover between targets on timeout). A single "." target means the service is not offered there: no end point.
/// No SRV records at all (NXDOMAIN or an empty answer): A/AAAA of the name itself on the default port, through the
/// system resolver.</item>
/// </list>
/// Resolved per use; DnsClient caches answers by TTL and the system resolver does its own caching.
/// </summary>
public sealed class SipPeerResolver
{
    private readonly SipDnsClient? _dns;
    private readonly Random _random;
    private readonly ILogger _log;

    /// <param name="dns">For SRV lookups; null resolves port-less names by A/AAAA only (tests and tools without DNS servers).</param>
    /// <param name="random">Draws the RFC 2782 weighted order; tests pass a seeded one.</param>
    public SipPeerResolver(SipDnsClient? dns, Random? random = null, ILogger? log = null)
    {
        _dns = dns;
        _random = random ?? Random.Shared;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>
    /// The peer's end point, preferring an address of <paramref name="family"/> (the family our listener can reach);
    /// null when the name has no address or the lookup fails (the caller logs and treats the peer as unreachable).
    /// </summary>
    public async Task<SipEndPoint?> ResolveAsync(SipPeer peer, AddressFamily family, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (IPAddress.TryParse(peer.Host, out var literal))
            return new SipEndPoint(peer.Transport, new IPEndPoint(literal, peer.Port ?? peer.DefaultPort));
        if (peer.Port is not null || _dns is null)
            return await SystemResolveAsync(peer, peer.Port ?? peer.DefaultPort, family, cancellationToken);

        var service = ServiceName(peer);
        var (outcome, answers) = await _dns.QueryAsync(service, QueryType.SRV, cancellationToken);
        switch (outcome)
        {
            case DnsOutcome.NameError or DnsOutcome.NoData:
                _log.PeerNoSrv(peer.Host, service, peer.DefaultPort);
                return await SystemResolveAsync(peer, peer.DefaultPort, family, cancellationToken);
            case DnsOutcome.Failed:
                _log.PeerSrvFailed(peer.Host, service);
                return null;
        }
        var records = answers.OfType<SrvRecord>()
            .Select(r => new DnsSrv(r.Priority, r.Weight, r.Port, r.Target.Value.TrimEnd('.') is { Length: > 0 } t ? t : "."))
            .ToList();
        if (records.Count == 1 && records[0].Target == ".")
        {
            _log.PeerSrvNotOffered(peer.Host, service);
            return null;
        }
        foreach (var target in SrvOrdering.Order(records.Where(r => r.Target != "."), _random))
        {
            if (await TargetAddressAsync(_dns, target.Target, family, cancellationToken) is { } address)
            {
                _log.PeerSrvTarget(peer.Host, service, target.Target, target.Port, address);
                return new SipEndPoint(peer.Transport, new IPEndPoint(address, target.Port));
            }
            _log.PeerSrvTargetWithoutAddress(peer.Host, target.Target);
        }
        return null;
    }

    /// <summary>RFC 3263 §4.2: the SRV service label by transport (SIPS over TLS is <c>_sips._tcp</c>).</summary>
    internal static string ServiceName(SipPeer peer) => peer.Transport switch
    {
        SipTransportKind.Tls => "_sips._tcp.",
        SipTransportKind.Tcp => "_sip._tcp.",
        _ => "_sip._udp.",
    } + peer.Host.TrimEnd('.');

    private static async Task<IPAddress?> TargetAddressAsync(SipDnsClient dns, string target, AddressFamily family, CancellationToken cancellationToken)
    {
        var (first, second) = family == AddressFamily.InterNetworkV6
            ? (QueryType.AAAA, QueryType.A)
            : (QueryType.A, QueryType.AAAA);
        foreach (var type in new[] { first, second })
        {
            var (outcome, answers) = await dns.QueryAsync(target, type, cancellationToken);
            if (answers.OfType<AddressRecord>().FirstOrDefault() is { } record) return record.Address;
            if (outcome == DnsOutcome.NameError) return null;
        }
        return null;
    }

    private async Task<SipEndPoint?> SystemResolveAsync(SipPeer peer, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await System.Net.Dns.GetHostAddressesAsync(peer.Host, cancellationToken);
        }
        catch (SocketException e)
        {
            // No such name or no resolver: the caller treats the peer as unreachable and says so.
            _log.PeerSystemResolveFailed(peer.Host, e.SocketErrorCode);
            return null;
        }
        catch (ArgumentException e)
        {
            // Not a valid host name (config checks catch most; a name too long for DNS lands here).
            _log.PeerNameRefused(peer.Host, e.Message);
            return null;
        }
        IPAddress? chosen = null;
        foreach (var address in addresses)
        {
            if (address.AddressFamily == family) return new SipEndPoint(peer.Transport, new IPEndPoint(address, port));
            chosen ??= address;
        }
        return chosen is null ? null : new SipEndPoint(peer.Transport, new IPEndPoint(chosen, port));
    }

    /// <summary>The transport a config value names (<c>udp</c>, <c>tcp</c>, <c>tls</c>; anything else is UDP, which config checks reject first).</summary>
    public static SipTransportKind TransportNamed(string? name) => name?.ToLowerInvariant() switch
    {
        "tcp" => SipTransportKind.Tcp,
        "tls" => SipTransportKind.Tls,
        _ => SipTransportKind.Udp,
    };
}
