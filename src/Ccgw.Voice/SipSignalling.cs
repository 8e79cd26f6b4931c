using System.Net;
using System.Text;
using Ccgw.Sip;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice;

/// <summary>
/// What both kinds of call leg need from the stack: our own Via, Contact and identifiers. Everything here is minted by
/// the gateway, so nothing of one leg (Call-ID, tags, Via, Contact, hosts) can reach the other: topology hiding
/// (CONTRACT §4) holds by construction, not by scrubbing headers afterwards.
/// </summary>
internal sealed class SipSignalling(SipStack stack, string domain)
{
    public SipStack Stack { get; } = stack;

    public string Domain { get; } = domain;

    public SipTransactionLayer Transactions => Stack.Transactions;

    public ISipSender Sender => Stack.Sender;

    public IPEndPoint LocalEndPoint(SipTransportKind kind) =>
        (kind switch
        {
            SipTransportKind.Udp => Stack.UdpEndPoint,
            SipTransportKind.Tcp => Stack.TcpEndPoint,
            _ => Stack.TlsEndPoint,
        }) ?? Stack.UdpEndPoint ?? Stack.TcpEndPoint ?? throw new InvalidOperationException("the SIP stack has no listener");

    public SipVia NewVia(SipEndPoint destination)
    {
        var local = LocalEndPoint(destination.Transport);
        var via = new SipVia(destination.ViaTransport, local.Address.ToString(), local.Port, SipTransactionLayer.NewBranch());
        via.Parameters.Set("rport", null);
        return via;
    }

    /// <summary>Our Contact for a dialog over <paramref name="kind"/>: where in-dialog requests reach the gateway.</summary>
    public SipNameAddress Contact(SipTransportKind kind)
    {
        var local = LocalEndPoint(kind);
        var uri = new SipUri("sip", "ccgw", local.Address.ToString(), local.Port);
        if (kind != SipTransportKind.Udp) uri.Parameters.Set("transport", kind == SipTransportKind.Tcp ? "tcp" : "tls");
        return new SipNameAddress(uri);
    }

    /// <summary>A name-address on the gateway's domain: <c>"Display" &lt;sip:user@domain&gt;</c>.</summary>
    public SipNameAddress OnDomain(string? user, string? displayName = null) => new(new SipUri("sip", user, Domain), displayName);

    public static string NewTag() => Guid.NewGuid().ToString("N")[..16];

    public string NewCallId() => string.Concat(Guid.NewGuid().ToString("N"), "@", Domain);

    public static void SetSdp(SipMessage message, string sdp)
    {
        message.ContentType = "application/sdp";
        message.Body = Encoding.UTF8.GetBytes(sdp);
    }

    public static string BodyText(SipMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    /// <summary>Parses a peer's SDP; false for a body the media library refuses (the caller answers 488 or hangs up).</summary>
    public static bool TryParseSdp(string text, out Ccgw.Media.Sdp.SessionDescription sdp)
    {
        try
        {
            sdp = Ccgw.Media.Sdp.SessionDescription.Parse(text);
            return true;
        }
        catch (Ccgw.Media.Sdp.SdpParseException)
        {
            sdp = null!;
            return false;
        }
    }

    public static bool HasSdp(SipMessage message) =>
        !message.Body.IsEmpty && message.ContentType is { } type && type.AsSpan().Trim().StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where a registered contact is reached. A contact whose IP is the address the REGISTER came from is taken as
    /// written (a phone with a separate signalling port); a contact with another IP (a private address behind NAT,
    /// or a host name) is reached where the REGISTER came from, the binding's ReceivedFrom ("UDP:ip:port").
    /// </summary>
    public static bool TryResolve(string? receivedFrom, SipUri contact, out SipEndPoint endPoint)
    {
        endPoint = default;
        var transport = contact.Transport?.ToLowerInvariant() switch
        {
            "tcp" => SipTransportKind.Tcp,
            "tls" => SipTransportKind.Tls,
            _ => SipTransportKind.Udp,
        };
        SipEndPoint? source = null;
        if (receivedFrom is { Length: > 4 } && receivedFrom.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && Enum.TryParse<SipTransportKind>(receivedFrom[..colon], ignoreCase: true, out var kind)
            && IPEndPoint.TryParse(receivedFrom[(colon + 1)..], out var from))
            source = new SipEndPoint(kind, from);
        if (IPAddress.TryParse(contact.Host.Trim('[', ']'), out var address) && (source is null || source.Value.Address.Address.Equals(address)))
        {
            endPoint = new SipEndPoint(transport, new IPEndPoint(address, contact.Port ?? (transport == SipTransportKind.Tls ? 5061 : 5060)));
            return true;
        }
        if (source is not { } s) return false;
        endPoint = s;
        return true;
    }
}
