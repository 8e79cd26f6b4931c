using System.Net;
using System.Net.Sockets;

namespace Ccgw.Media.Transport;

/// <summary>No RTP/RTCP port pair is free in the configured range (the SIP layer answers 503).</summary>
public sealed class RtpPortsExhaustedException : Exception
{
    public RtpPortsExhaustedException(string message) : base(message) { }
    public RtpPortsExhaustedException(string message, Exception inner) : base(message, inner) { }
    public RtpPortsExhaustedException() { }
}

/// <summary>
/// Hands out RTP/RTCP socket pairs from a configured range: RTP on the even port, RTCP on the next odd one
/// (RFC 3550 §11). Ports are bound at allocation, so a port taken by another process is skipped, and the
/// search starts after the last allocation so a just-released pair is not reused at once (stray late packets
/// of the previous call would otherwise reach the next one).
/// </summary>
public sealed class RtpPortAllocator
{
    private readonly object _gate = new();
    private readonly IPAddress _bindAddress;
    private readonly bool[] _inUse;
    private int _cursor;

    public RtpPortAllocator(IPAddress bindAddress, int firstPort, int lastPort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstPort, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lastPort, 65535);
        FirstPort = (firstPort + 1) & ~1;
        LastPort = lastPort;
        if (LastPort < FirstPort + 1) throw new ArgumentException($"Port range {firstPort}-{lastPort} holds no even/odd pair.", nameof(lastPort));
        _bindAddress = bindAddress;
        _inUse = new bool[(LastPort - FirstPort + 1) / 2];
    }

    public int FirstPort { get; }
    public int LastPort { get; }
    public int Capacity => _inUse.Length;

    public int InUse
    {
        get { lock (_gate) return _inUse.Count(u => u); }
    }

    /// <summary>Binds the next free pair; throws <see cref="RtpPortsExhaustedException"/> when none is left.</summary>
    public RtpSocketPair Allocate() =>
        TryAllocate(out var pair) ? pair : throw new RtpPortsExhaustedException($"No free RTP port pair in {FirstPort}-{LastPort} ({Capacity} pairs).");

    public bool TryAllocate(out RtpSocketPair pair)
    {
        lock (_gate)
        {
            for (var n = 0; n < _inUse.Length; n++)
            {
                var slot = (_cursor + n) % _inUse.Length;
                if (_inUse[slot]) continue;
                var port = FirstPort + (2 * slot);
                if (TryBind(port, out var rtp, out var rtcp))
                {
                    _inUse[slot] = true;
                    _cursor = slot + 1;
                    pair = new RtpSocketPair(this, slot, port, rtp, rtcp);
                    return true;
                }
            }
        }
        pair = null!;
        return false;
    }

    internal void Release(int slot)
    {
        lock (_gate) _inUse[slot] = false;
    }

    private bool TryBind(int port, out Socket rtp, out Socket rtcp)
    {
        rtp = new Socket(_bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        rtcp = new Socket(_bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            rtp.Bind(new IPEndPoint(_bindAddress, port));
            rtcp.Bind(new IPEndPoint(_bindAddress, port + 1));
            return true;
        }
        catch (SocketException)
        {
            // One of the pair is taken by another process: the caller tries the next pair, and says so only when
            // the whole range is used up.
            rtp.Dispose();
            rtcp.Dispose();
            return false;
        }
    }
}

/// <summary>A bound RTP socket and its RTCP companion; disposing closes both and returns the ports.</summary>
public sealed class RtpSocketPair : IDisposable
{
    private readonly RtpPortAllocator _owner;
    private readonly int _slot;
    private int _disposed;

    internal RtpSocketPair(RtpPortAllocator owner, int slot, int port, Socket rtp, Socket rtcp)
    {
        _owner = owner;
        _slot = slot;
        RtpPort = port;
        Rtp = rtp;
        Rtcp = rtcp;
    }

    public int RtpPort { get; }
    public int RtcpPort => RtpPort + 1;
    internal Socket Rtp { get; }
    internal Socket Rtcp { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Rtp.Dispose();
        Rtcp.Dispose();
        _owner.Release(_slot);
    }
}
