using System.Net;
using System.Net.Sockets;

namespace Ccgw.Sip.Transport;

/// <summary>A configured SIP peer (a trunk's PBX): host name or address, port and transport, as the admin wrote it.</summary>
public sealed record SipPeer(string Host, int Port, SipTransportKind Transport);

/// <summary>
/// Finds where to send requests for a configured <see cref="SipPeer"/>. Our peers always carry an explicit port, so by
/// RFC 3263 §4.2 a name is resolved with A/AAAA records only (no NAPTR or SRV): "If the TARGET was not a numeric IP
/// address, but a port is present in the URI, the client performs an A or AAAA record lookup of the domain name."
/// Resolved per use, not cached here: the system resolver owns caching and TTLs, and a PBX that moves is found again.
/// </summary>
public static class SipPeerResolver
{
    /// <summary>
    /// The peer's end point, preferring an address of <paramref name="family"/> (the family our listener can reach);
    /// null when the name has no address or the lookup fails (the caller logs and treats the peer as unreachable).
    /// </summary>
    public static async Task<SipEndPoint?> ResolveAsync(SipPeer peer, AddressFamily family, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (IPAddress.TryParse(peer.Host, out var literal))
            return new SipEndPoint(peer.Transport, new IPEndPoint(literal, peer.Port));
        IPAddress[] addresses;
        try
        {
            addresses = await System.Net.Dns.GetHostAddressesAsync(peer.Host, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null; // not a valid host name (config checks catch most; a name too long for DNS lands here)
        }
        IPAddress? chosen = null;
        foreach (var address in addresses)
        {
            if (address.AddressFamily == family) return new SipEndPoint(peer.Transport, new IPEndPoint(address, peer.Port));
            chosen ??= address;
        }
        return chosen is null ? null : new SipEndPoint(peer.Transport, new IPEndPoint(chosen, peer.Port));
    }

    /// <summary>The transport a config value names (<c>udp</c>, <c>tcp</c>, <c>tls</c>; anything else is UDP, which config checks reject first).</summary>
    public static SipTransportKind TransportNamed(string? name) => name?.ToLowerInvariant() switch
    {
        "tcp" => SipTransportKind.Tcp,
        "tls" => SipTransportKind.Tls,
        _ => SipTransportKind.Udp,
    };
}
