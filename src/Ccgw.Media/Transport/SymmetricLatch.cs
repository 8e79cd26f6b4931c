using System.Net;
using System.Net.Sockets;

namespace Ccgw.Media.Transport;

/// <summary>
/// Symmetric RTP (RFC 4961 spirit): send to where the peer really sends from, not to what its SDP claims,
/// which is what makes calls through NAT work. Rules:
/// <list type="number">
/// <item>Until the first packet arrives, send to the address signalled in SDP (if any).</item>
/// <item>The first valid packet latches its source address; from then on we send there.</item>
/// <item>Packets from any other source are dropped (no media injection by a third party).</item>
/// <item>If the latched source stays silent for <see cref="RelatchAfter"/>, the next valid packet from a new
/// source re-latches (NAT rebinding, a peer that moved without a re-INVITE).</item>
/// <item><see cref="Reset"/> (new SDP from a re-INVITE) unlatches.</item>
/// </list>
/// Only the receive loop of one leg calls <see cref="Accept"/>; <see cref="Target"/> is read by senders.
/// </summary>
public sealed class SymmetricLatch
{
    private readonly TimeProvider _time;
    private SocketAddress? _latched;
    private SocketAddress? _signalled;
    private long _lastSeen;

    public SymmetricLatch(TimeProvider time, TimeSpan relatchAfter, IPEndPoint? signalled = null)
    {
        _time = time;
        RelatchAfter = relatchAfter;
        _signalled = signalled?.Serialize();
    }

    public TimeSpan RelatchAfter { get; }
    public bool IsLatched => Volatile.Read(ref _latched) is not null;
    public long Rejected { get; private set; }
    public long Relatches { get; private set; }

    /// <summary>Where packets to this peer go now: the latched source, else the signalled address, else null.</summary>
    public SocketAddress? Target => Volatile.Read(ref _latched) ?? Volatile.Read(ref _signalled);

    public IPEndPoint? TargetEndPoint => Target is { } t
        ? (IPEndPoint)new IPEndPoint(t.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(t)
        : null;

    public void Reset(IPEndPoint? signalled)
    {
        Volatile.Write(ref _signalled, signalled?.Serialize());
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
        if (latched is not null && _time.GetElapsedTime(_lastSeen, now) < RelatchAfter)
        {
            Rejected++;
            return false;
        }
        if (latched is not null) Relatches++;
        // Copy: the receive loop reuses its SocketAddress for the next datagram. Allocates only when (re)latching.
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span.CopyTo(copy.Buffer.Span);
        Volatile.Write(ref _latched, copy);
        _lastSeen = now;
        return true;
    }
}
