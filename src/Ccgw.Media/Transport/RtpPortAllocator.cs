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
/// (RFC 3550 §11). Ports are bound at allocation, so a port taken by another process is skipped. The pair is
/// drawn at random among the free ones (as rtpengine does), not the next in line: a stranger who saw one call's port
/// cannot guess the next call's and spray it before its peer latches. A just-released pair comes back with the
/// same chance as any other free one; stray late packets of the previous call are dropped by the strict source
/// latch (<see cref="SymmetricLatch"/>) unless they come from the new peer's host.
/// </summary>
public sealed class RtpPortAllocator
{
    private readonly object _gate = new();
    private readonly IPAddress _bindAddress;
    private readonly bool[] _inUse;
    // The free slots in no particular order, the first _freeCount of them valid: a random pick and a release are O(1).
    private readonly int[] _free;
    private int _freeCount;

    public RtpPortAllocator(IPAddress bindAddress, int firstPort, int lastPort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstPort, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lastPort, 65535);
        FirstPort = (firstPort + 1) & ~1;
        LastPort = lastPort;
        if (LastPort < FirstPort + 1) throw new ArgumentException($"Port range {firstPort}-{lastPort} holds no even/odd pair.", nameof(lastPort));
        _bindAddress = bindAddress;
        _inUse = new bool[(LastPort - FirstPort + 1) / 2];
        _free = new int[_inUse.Length];
        for (var slot = 0; slot < _free.Length; slot++) _free[slot] = slot;
        _freeCount = _free.Length;
    }

    public int FirstPort { get; }
    public int LastPort { get; }
    public int Capacity => _inUse.Length;

    public int InUse
    {
        get { lock (_gate) return _inUse.Length - _freeCount; }
    }

    /// <summary>Binds a free pair drawn at random; throws <see cref="RtpPortsExhaustedException"/> when none is left.</summary>
    public RtpSocketPair Allocate() =>
        TryAllocate(out var pair) ? pair : throw new RtpPortsExhaustedException($"No free RTP port pair in {FirstPort}-{LastPort} ({Capacity} pairs).");

    public bool TryAllocate(out RtpSocketPair pair)
    {
        lock (_gate)
        {
            // Draw among the candidates [0, candidates); a pair another process holds is moved past the end of that
            // window (it stays free for later calls) and the draw repeats, so each free pair is tried at most once.
            for (var candidates = _freeCount; candidates > 0; candidates--)
            {
                var index = Random.Shared.Next(candidates);
                var slot = _free[index];
                var port = FirstPort + (2 * slot);
                if (TryBind(port, out var rtp, out var rtcp))
                {
                    _inUse[slot] = true;
                    _free[index] = _free[--_freeCount];
                    pair = new RtpSocketPair(this, slot, port, rtp, rtcp);
                    return true;
                }
                (_free[index], _free[candidates - 1]) = (_free[candidates - 1], slot);
            }
        }
        pair = null!;
        return false;
    }

    internal void Release(int slot)
    {
        lock (_gate)
        {
            // RtpSocketPair.Dispose calls this once per pair; the guard keeps the free list exact regardless.
            if (!_inUse[slot]) return;
            _inUse[slot] = false;
            _free[_freeCount++] = slot;
        }
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
