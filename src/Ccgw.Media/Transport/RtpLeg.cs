using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Srtp;

namespace Ccgw.Media.Transport;

/// <summary>Receives each valid RTP packet of a leg, in place, on the leg's receive loop (must not block).</summary>
public interface IRtpPacketHandler
{
    void OnPacket(RtpLeg leg, Span<byte> packet);
}

/// <summary>Options for one leg.</summary>
public sealed record RtpLegOptions
{
    /// <summary>Silence from the latched source after which another source may take over (see <see cref="SymmetricLatch"/>).</summary>
    public TimeSpan RelatchAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after the SDP is applied a packet from another port of the signalled host may latch (NAT).</summary>
    public TimeSpan LatchWindow { get; init; } = SymmetricLatch.DefaultLatchWindow;

    /// <summary>Where dropped datagrams are counted for <c>/metrics</c>; null counts only on the leg.</summary>
    public RtpDropMetrics? DropMetrics { get; init; }
}

/// <summary>
/// One call leg's media endpoint: a bound RTP/RTCP port pair, symmetric-RTP latching, a receive loop that
/// validates packets and passes them to a handler (DTMF detection during IVR, the relay when bridged), and
/// a non-blocking send used by the scheduler and the relay. The receive buffer is rented once per leg and
/// <see cref="SocketAddress"/> objects are reused, so the per-packet path allocates nothing.
/// </summary>
public sealed class RtpLeg : IRtpSink, IRtcpReportSink, IAsyncDisposable
{
    private const int MaxDatagram = 1500;

    private readonly RtpSocketPair _ports;
    private readonly SymmetricLatch _latch;
    private readonly RtpDropMetrics? _drops;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly RtpReceptionStatistics _statistics = new();
    private readonly byte[] _rtcpSendBuffer = new byte[128];
    private readonly SocketAddress _rtcpTarget = new(AddressFamily.InterNetworkV6);
    // Reports (scheduler thread) and the hang-up BYE share the RTCP buffer and target; both are rare.
    private readonly Lock _rtcpGate = new();
    private IRtpPacketHandler? _handler;
    private DtmfDetection? _dtmf;
    private Task _rtpLoop = Task.CompletedTask;
    private Task _rtcpLoop = Task.CompletedTask;
    private long _packetsSent;
    private long _lastReceived;
    // SRTP (SDES) on this leg: set once after the answer, before any bridge. Protect copies into _srtpSendBuffer (the
    // caller's span may be the relay's receive buffer or a shared prompt frame); the gate covers the short hand-over
    // where the scheduler's last prompt packet and the relay's first may overlap.
    private SrtpContext? _srtpSend;
    private SrtpContext? _srtpReceive;
    private readonly byte[] _srtpSendBuffer = new byte[MaxDatagram + SrtpContext.TagLength];
    private readonly Lock _srtpGate = new();
    private bool _srtpClosed;

    public RtpLeg(RtpSocketPair ports, TimeProvider time, RtpLegOptions? options = null)
    {
        _ports = ports;
        _time = time;
        options ??= new RtpLegOptions();
        _latch = new SymmetricLatch(time, options.RelatchAfter, options.LatchWindow);
        _drops = options.DropMetrics;
        _lastReceived = time.GetTimestamp();
    }

    /// <summary>
    /// Time since the last RTP packet this leg accepted (since it opened, before any): what an RTP inactivity timeout
    /// reads. Dropped packets (foreign sources, not RTP) do not count, so an injector cannot keep a dead call alive.
    /// </summary>
    public TimeSpan SilentFor => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    public int LocalRtpPort => _ports.RtpPort;
    public SymmetricLatch Latch => _latch;
    public long PacketsReceived { get; private set; }
    public long PacketsInvalid { get; private set; }
    /// <summary>Sent by the scheduler and the relay, possibly from different threads.</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);
    public long RtcpPacketsReceived { get; private set; }
    /// <summary>Set when the peer sent an RTCP BYE (RFC 3550 §6.6); signalling, not RTCP, ends calls, so this is informational.</summary>
    public bool RtcpByeReceived { get; private set; }

    /// <summary>
    /// The address from the peer's SDP (null for hold); re-INVITEs call it again, which unlatches. Only this host may
    /// latch the leg (<see cref="SymmetricLatch"/>): until it is called, every packet received is dropped.
    /// </summary>
    public void SetRemote(IPEndPoint? signalled) => _latch.Reset(signalled);

    /// <summary>Routes every accepted packet to <paramref name="handler"/> (the relay) instead of DTMF detection; null detaches.</summary>
    public void SetHandler(IRtpPacketHandler? handler) => Volatile.Write(ref _handler, handler);

    /// <summary>Reports RFC 4733 digits from packets with <paramref name="payloadType"/>, each once, while no handler is set.</summary>
    public void DetectDtmf(byte payloadType, Action<char> onDigit)
    {
        // One immutable holder swapped atomically: the receive loop never sees a half-configured detector.
        Volatile.Write(ref _dtmf, new DtmfDetection(payloadType, new DtmfReceiver(), onDigit));
    }

    /// <summary>Stops RFC 4733 detection (the peer renegotiated without telephone-event).</summary>
    public void StopDtmfDetection() => Volatile.Write(ref _dtmf, null);

    public void Start()
    {
        _rtpLoop = ReceiveRtpAsync(_stop.Token);
        _rtcpLoop = ReceiveRtcpAsync(_stop.Token);
    }

    /// <summary>Whether this leg's RTP is SRTP (then RTCP is not sent: SRTCP is not implemented, and plain RTCP would leak).</summary>
    public bool IsSecure => Volatile.Read(ref _srtpSend) is not null;

    /// <summary>
    /// Turns on SRTP: <paramref name="sending"/> is keyed by our offered key, <paramref name="receiving"/> by the
    /// peer's (RFC 4568 §6.1: each side sends with its own key). The leg owns and disposes both.
    /// </summary>
    public void UseSrtp(SrtpContext sending, SrtpContext receiving)
    {
        ArgumentNullException.ThrowIfNull(sending);
        ArgumentNullException.ThrowIfNull(receiving);
        if (_srtpSend is not null) throw new InvalidOperationException("SRTP is already on for this leg.");
        Volatile.Write(ref _srtpReceive, receiving);
        Volatile.Write(ref _srtpSend, sending);
    }

    public void Send(ReadOnlySpan<byte> packet)
    {
        if (_latch.Target is not { } target) return;
        if (Volatile.Read(ref _srtpSend) is not null)
        {
            SendSecure(packet, target);
            return;
        }
        try
        {
            _ports.Rtp.SendTo(packet, SocketFlags.None, target);
            Interlocked.Increment(ref _packetsSent);
        }
        catch (SocketException)
        {
            // ICMP port unreachable from an earlier send, or a peer that went away: media is best effort, and a log
            // line per 20 ms packet would drown the log; signalling (SIP) notices a peer that is really gone.
        }
        catch (ObjectDisposedException)
        {
            // The leg was disposed (hang-up) while the scheduler or the relay was still sending its last packet.
        }
    }

    private void SendSecure(ReadOnlySpan<byte> packet, SocketAddress target)
    {
        if (packet.Length > MaxDatagram) return;
        lock (_srtpGate)
        {
            // Under the gate: once DisposeAsync has disposed the contexts nothing more is sent (and never plain).
            if (_srtpClosed || _srtpSend is not { } srtp) return;
            packet.CopyTo(_srtpSendBuffer);
            if (!srtp.TryProtect(_srtpSendBuffer, packet.Length, out var length)) return;
            try
            {
                _ports.Rtp.SendTo(_srtpSendBuffer.AsSpan(0, length), SocketFlags.None, target);
                Interlocked.Increment(ref _packetsSent);
            }
            catch (SocketException)
            {
                // As in Send: media is best effort; SIP notices a peer that is gone.
            }
            catch (ObjectDisposedException)
            {
                // Hang-up raced the last packet.
            }
        }
    }

    private async Task ReceiveRtpAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var source = new SocketAddress(_ports.Rtp.AddressFamily);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await _ports.Rtp.ReceiveFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, source, cancellationToken);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    continue; // ICMP unreachable for an earlier send surfaces on the next receive (Windows); not fatal.
                }
                OnDatagram(buffer.AsSpan(0, length), source);
            }
        }
        catch (OperationCanceledException)
        {
            // DisposeAsync cancelled the loop: its normal end.
        }
        catch (ObjectDisposedException)
        {
            // The socket was closed under a pending receive (DisposeAsync): the same normal end.
        }
        catch (SocketException)
        {
            // The socket was closed under a pending receive (shutdown); nothing left to receive.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnDatagram(Span<byte> datagram, SocketAddress source)
    {
        if (Volatile.Read(ref _srtpReceive) is { } srtp)
        {
            // Authenticate before the latch sees the source, so a forged packet can neither relatch nor count as media.
            if (srtp.Unprotect(datagram, datagram.Length, out var plainLength) != SrtpVerdict.Ok)
            {
                PacketsInvalid++;
                _drops?.CountInvalid();
                return;
            }
            datagram = datagram[..plainLength];
        }
        if (!RtpPacket.TryParse(datagram, out var packet))
        {
            PacketsInvalid++;
            _drops?.CountInvalid();
            return;
        }
        if (!_latch.Accept(source))
        {
            _drops?.CountSource();
            return;
        }
        PacketsReceived++;
        Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
        var arrival = _time.GetTimestamp() * 8000 / _time.TimestampFrequency;
        _statistics.Update(packet.Ssrc, packet.SequenceNumber, packet.Timestamp, arrival);
        if (Volatile.Read(ref _handler) is { } handler)
        {
            handler.OnPacket(this, datagram);
            return;
        }
        if (Volatile.Read(ref _dtmf) is { } dtmf && packet.PayloadType == dtmf.PayloadType
            && dtmf.Receiver.TryAccept(packet.Ssrc, packet.Timestamp, packet.Payload, out var digit))
        {
            dtmf.OnDigit(digit);
        }
    }

    private async Task ReceiveRtcpAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var source = new SocketAddress(_ports.Rtcp.AddressFamily);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await _ports.Rtcp.ReceiveFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, source, cancellationToken);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    continue; // As for RTP: an ICMP error for an earlier send, not a failure of this socket.
                }
                if (!RtcpCompoundReader.IsValid(buffer.AsSpan(0, length))) continue;
                RtcpPacketsReceived++;
                var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
                while (reader.TryRead(out var p))
                {
                    if (p.Type == RtcpPacketType.Goodbye) RtcpByeReceived = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // DisposeAsync cancelled the loop: its normal end.
        }
        catch (ObjectDisposedException)
        {
            // The socket was closed under a pending receive (DisposeAsync): the same normal end.
        }
        catch (SocketException)
        {
            // The socket was closed under a pending receive (shutdown); nothing left to receive.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Interarrival jitter of the current source in 8 kHz units (RFC 3550 A.8).</summary>
    public uint Jitter => _statistics.Jitter;

    /// <summary>
    /// Sends an RTCP receiver report about the current source plus a BYE for <paramref name="ssrc"/> (our stream),
    /// to the peer's RTCP port (RTP target + 1, RFC 3550 §11), when a call leg ends. Best effort.
    /// </summary>
    public void SendRtcpBye(uint ssrc)
    {
        lock (_rtcpGate) SendRtcpByeLocked(ssrc);
    }

    private void SendRtcpByeLocked(uint ssrc)
    {
        if (IsSecure || !TryRtcpTarget(out var target)) return;
        var buffer = _rtcpSendBuffer.AsSpan();
        var length = _statistics.Received > 0
            ? RtcpWriter.WriteReceiverReport(buffer, ssrc, [_statistics.CreateReportBlock()])
            : RtcpWriter.WriteReceiverReport(buffer, ssrc, []);
        length += RtcpWriter.WriteBye(buffer[length..], ssrc);
        try
        {
            _ports.Rtcp.SendTo(buffer[..length], SocketFlags.None, target);
        }
        catch (SocketException)
        {
            // RTCP is best effort (RFC 3550 §6): a peer that is gone or unreachable just misses this report.
        }
        catch (ObjectDisposedException)
        {
            // The leg was disposed (hang-up) while a report was being sent; there is nobody left to tell.
        }
    }

    /// <summary>SR with a reception report about the current source, sent to the peer's RTCP port; best effort.</summary>
    public void SendSenderReport(uint ssrc, uint rtpTimestamp, uint packetCount, uint octetCount)
    {
        lock (_rtcpGate) SendSenderReportLocked(ssrc, rtpTimestamp, packetCount, octetCount);
    }

    private void SendSenderReportLocked(uint ssrc, uint rtpTimestamp, uint packetCount, uint octetCount)
    {
        if (IsSecure || !TryRtcpTarget(out var target)) return;
        var info = new RtcpSenderInfo(NtpTimestamp(_time.GetUtcNow()), rtpTimestamp, packetCount, octetCount);
        var length = _statistics.Received > 0
            ? RtcpWriter.WriteSenderReport(_rtcpSendBuffer, ssrc, info, [_statistics.CreateReportBlock()])
            : RtcpWriter.WriteSenderReport(_rtcpSendBuffer, ssrc, info, []);
        try
        {
            _ports.Rtcp.SendTo(_rtcpSendBuffer.AsSpan(0, length), SocketFlags.None, target);
        }
        catch (SocketException)
        {
            // RTCP is best effort (RFC 3550 §6): a peer that is gone or unreachable just misses this report.
        }
        catch (ObjectDisposedException)
        {
            // The leg was disposed (hang-up) while a report was being sent; there is nobody left to tell.
        }
    }

    /// <summary>RTCP goes to the RTP target's port + 1 (RFC 3550 §11); the address is rewritten in a reused buffer.</summary>
    private bool TryRtcpTarget(out SocketAddress target)
    {
        target = _rtcpTarget;
        if (_latch.Target is not { } rtp || rtp.Size > target.Buffer.Length) return false;
        target.Size = rtp.Size;
        rtp.Buffer.Span[..rtp.Size].CopyTo(target.Buffer.Span);
        // Port sits big-endian at offset 2 of both sockaddr_in and sockaddr_in6.
        var port = (ushort)((target.Buffer.Span[2] << 8) | target.Buffer.Span[3]);
        port++;
        target.Buffer.Span[2] = (byte)(port >> 8);
        target.Buffer.Span[3] = (byte)port;
        return true;
    }

    /// <summary>64-bit NTP format: seconds since 1900-01-01 and a 32-bit binary fraction (RFC 3550 §4).</summary>
    internal static ulong NtpTimestamp(DateTimeOffset utc)
    {
        var sinceEpoch = utc.UtcTicks - new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var seconds = (ulong)(sinceEpoch / TimeSpan.TicksPerSecond);
        var fraction = (ulong)(sinceEpoch % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _ports.Dispose();
        await Task.WhenAll(_rtpLoop, _rtcpLoop);
        _stop.Dispose();
        // After the receive loop has ended; a sender still holding the gate finishes its packet first.
        lock (_srtpGate)
        {
            _srtpSend?.Dispose();
            _srtpReceive?.Dispose();
            _srtpClosed = true;
        }
    }

    private sealed record DtmfDetection(byte PayloadType, DtmfReceiver Receiver, Action<char> OnDigit);
}
