using System.Net;
using System.Net.Sockets;

namespace Ccgw.Media.Transport;

/// <summary>
/// Symmetric RTP (RFC 4961 spirit) with a strict source, as rtpengine's strict-source and Asterisk's strictrtp:
/// send to where the peer really sends from (what makes calls through NAT work), but only ever accept that peer.
/// Rules:
/// <list type="number">
/// <item>Until a packet is accepted, send to the address signalled in SDP (if any).</item>
/// <item>Only the host signalled in SDP may latch: a packet from the signalled address and port latches at any time;
/// one from another port of the signalled host (a NAT rewrote it) latches only within <see cref="LatchWindow"/> of
/// the SDP being applied (the answer). Every other source is dropped and counted in <see cref="Rejected"/>.
/// Without a signalled host (the leg is not negotiated yet) nothing latches.</item>
/// <item>Packets from any source other than the latched one are dropped (no listening in, no media injection).</item>
/// <item>If the latched source stays silent for <see cref="RelatchAfter"/>, the next valid packet from the signalled
/// host (any port: NAT rebinding) re-latches; <see cref="Relatches"/> counts it. A foreign host never does.</item>
/// <item><see cref="Reset"/> (new SDP from a re-INVITE) unlatches and opens a new window. Old-style hold
/// (<c>c=0.0.0.0</c>, no address) keeps the previously signalled host as the one allowed to latch.</item>
/// <item>A phone behind NAT writes its private address into SDP, so its packets come from the NAT's public address,
/// which is also where its SIP came from. <see cref="TrustSignallingHost"/> names that SIP source host: within
/// <see cref="LatchWindow"/> of the SDP being applied, its first packet (any port) latches too, as Kamailio's
/// fix_nated_sdp and rtpengine's learning from the signalling address do. After the window it is a stranger again
/// (no re-latch mid-call to it), so an injector must share the caller's public address and beat it in the window.</item>
/// </list>
/// Only the receive loop of one leg calls <see cref="Accept"/>; <see cref="Target"/> is read by senders and
/// <see cref="Reset"/> by signalling, so the signalled state is one immutable object swapped atomically.
/// </summary>
public sealed class SymmetricLatch
{
    private readonly TimeProvider _time;
    private SocketAddress? _latched;
    private Signalled? _signalled;
    private Signalled? _signallingHost;
    private long _lastSeen;
    private long _rejected;

    public SymmetricLatch(TimeProvider time, TimeSpan relatchAfter, IPEndPoint? signalled = null)
        : this(time, relatchAfter, DefaultLatchWindow, signalled)
    {
    }

    public SymmetricLatch(TimeProvider time, TimeSpan relatchAfter, TimeSpan latchWindow, IPEndPoint? signalled = null)
    {
        _time = time;
        RelatchAfter = relatchAfter;
        LatchWindow = latchWindow;
        if (signalled is not null) _signalled = Signalled.Create(signalled, null, time.GetTimestamp());
    }

    /// <summary>How long after the answer a packet from another port of the signalled host may latch (NAT).</summary>
    public static readonly TimeSpan DefaultLatchWindow = TimeSpan.FromSeconds(10);

    public TimeSpan RelatchAfter { get; }
    public TimeSpan LatchWindow { get; }
    public bool IsLatched => Volatile.Read(ref _latched) is not null;

    /// <summary>Valid RTP packets dropped because of their source (not the peer, or not the latched port).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Relatches { get; private set; }

    /// <summary>Where packets to this peer go now: the latched source, else the signalled address, else null.</summary>
    public SocketAddress? Target => Volatile.Read(ref _latched) ?? Volatile.Read(ref _signalled)?.Address;

    public IPEndPoint? TargetEndPoint => Target is { } t
        ? (IPEndPoint)new IPEndPoint(t.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(t)
        : null;

    /// <summary>
    /// The host the leg's SIP signalling came from (or went to), trusted to latch within <see cref="LatchWindow"/>
    /// of each SDP even where the SDP names another (private) address. Kept across <see cref="Reset"/>.
    /// </summary>
    public void TrustSignallingHost(IPAddress host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Volatile.Write(ref _signallingHost, Signalled.Create(new IPEndPoint(host, 0), null, 0));
    }

    public void Reset(IPEndPoint? signalled)
    {
        var previous = Volatile.Read(ref _signalled);
        Volatile.Write(ref _signalled, signalled is not null
            ? Signalled.Create(signalled, null, _time.GetTimestamp())
            : previous is null ? null : Signalled.Create(null, previous, _time.GetTimestamp()));
        Volatile.Write(ref _latched, null);
    }

    /// <summary>Decides whether a valid RTP packet from <paramref name="source"/> is accepted, latching as needed.</summary>
    public bool Accept(SocketAddress source)
    {
        var now = _time.GetTimestamp();
        var latched = _latched;
        if (latched is not null && latched.Equals(source))
        {
            _lastSeen = now;
            return true;
        }
        var signalled = Volatile.Read(ref _signalled);
        if (signalled is null) return Reject();
        if (!signalled.IsHost(source))
        {
            // NAT: the SIP source host may take the first packet of the window; after it, or once latched, never.
            if (latched is not null || Volatile.Read(ref _signallingHost) is not { } sip || !sip.IsHost(source)
                || _time.GetElapsedTime(signalled.Since, now) >= LatchWindow)
                return Reject();
        }
        else if (latched is null)
        {
            // Not latched yet: the exact signalled address and port always, another port of that host only early on.
            if (!signalled.IsAddress(source) && _time.GetElapsedTime(signalled.Since, now) >= LatchWindow) return Reject();
        }
        else
        {
            // Latched: the signalled host may move (NAT rebinding) once the latched source has gone quiet.
            if (_time.GetElapsedTime(_lastSeen, now) < RelatchAfter) return Reject();
            Relatches++;
        }
        // Copy: the receive loop reuses its SocketAddress for the next datagram. Allocates only when (re)latching.
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        Volatile.Write(ref _latched, copy);
        _lastSeen = now;
        return true;
    }

    private bool Reject()
    {
        Interlocked.Increment(ref _rejected);
        return false;
    }

    /// <summary>
    /// The peer as its SDP gave it: where to send before latching, and the host (in both socket families' forms, so
    /// a v4 peer matches on a v6 socket too) that alone may latch. Compared against raw socket addresses without
    /// allocating: the address sits at offset 4 of a sockaddr_in and 8 of a sockaddr_in6, the port at offset 2 of both.
    /// </summary>
    private sealed class Signalled
    {
        private readonly byte[]? _v4;
        private readonly byte[] _v6;
        private readonly int _port;

        private Signalled(SocketAddress? address, byte[]? v4, byte[] v6, int port, long since)
        {
            Address = address;
            _v4 = v4;
            _v6 = v6;
            _port = port;
            Since = since;
        }

        /// <summary>Where to send before latching; null on hold (the host is kept from the previous SDP).</summary>
        public SocketAddress? Address { get; }
        public long Since { get; }

        public static Signalled Create(IPEndPoint? endPoint, Signalled? previous, long since)
        {
            if (endPoint is null) return new Signalled(null, previous!._v4, previous._v6, -1, since);
            var ip = endPoint.Address;
            var v4 = ip.AddressFamily == AddressFamily.InterNetwork ? ip.GetAddressBytes()
                : ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().GetAddressBytes() : null;
            return new Signalled(endPoint.Serialize(), v4, ip.MapToIPv6().GetAddressBytes(), endPoint.Port, since);
        }

        public bool IsHost(SocketAddress source)
        {
            var bytes = source.Buffer.Span;
            return source.Family switch
            {
                AddressFamily.InterNetwork => _v4 is not null && source.Size >= 8 && bytes.Slice(4, 4).SequenceEqual(_v4),
                AddressFamily.InterNetworkV6 => source.Size >= 24 && bytes.Slice(8, 16).SequenceEqual(_v6),
                _ => false,
            };
        }

        public bool IsAddress(SocketAddress source)
        {
            var bytes = source.Buffer.Span;
            return _port >= 0 && IsHost(source) && ((bytes[2] << 8) | bytes[3]) == _port;
        }
    }
}
