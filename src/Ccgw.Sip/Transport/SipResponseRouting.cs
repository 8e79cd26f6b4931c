using System.Globalization;
using System.Net;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Transport;

/// <summary>Server-side Via processing: RFC 3261 §18.2.1 (received) and §18.2.2 (where responses go), RFC 3581 (rport).</summary>
public static class SipResponseRouting
{
    /// <summary>Stamps received/rport on the top Via of a request that arrived from <paramref name="source"/>.</summary>
    public static void StampReceived(SipRequest request, SipEndPoint source)
    {
        if (request.TopVia is not { } via) return;
        var ip = source.Address.Address.IsIPv4MappedToIPv6 ? source.Address.Address.MapToIPv4() : source.Address.Address;
        var ipText = ip.ToString();
        var host = via.Host.Trim('[', ']');
        if (!string.Equals(host, ipText, StringComparison.OrdinalIgnoreCase)) via.Received = ipText;
        if (via.HasRPort) via.Parameters.Set("rport", source.Address.Port.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Where a response to a request received from <paramref name="source"/> is sent.</summary>
    public static SipEndPoint DestinationFor(SipVia topVia, SipEndPoint source)
    {
        // Stream transports answer on the connection the request came in on (§18.2.2 first bullet).
        if (source.IsReliable) return source;
        IPAddress address;
        if (topVia.Received is { } received && IPAddress.TryParse(received, out var r)) address = r;
        else if (IPAddress.TryParse(topVia.Host.Trim('[', ']'), out var h)) address = h;
        else address = source.Address.Address;
        var port = topVia.RPort ?? topVia.Port ?? 5060;
        if (topVia.HasRPort && topVia.RPort is null) port = source.Address.Port;
        return new SipEndPoint(source.Transport, new IPEndPoint(address, port));
    }
}
