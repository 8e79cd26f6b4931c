using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Diagnostics;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The caller's RTP side in voice tests: one UDP socket on 127.0.0.1 that records every RTP packet the gateway sends
/// and sends from the same port (symmetric RTP, so the gateway's latch stays on it). The SDP sipp sends points here.
/// </summary>
internal sealed class VoiceRtpEndpoint : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly TaskCompletionSource<IPEndPoint> _firstSource = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public VoiceRtpEndpoint()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _receiving = ReceiveAsync();
    }

    public sealed record Received(long ArrivedTicks, byte PayloadType, ushort Sequence, uint Timestamp, uint Ssrc, byte[] Payload);

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public ConcurrentQueue<Received> Packets { get; } = new();

    /// <summary>Where the gateway's RTP for this leg comes from (and so where ours must go).</summary>
    public Task<IPEndPoint> GatewayAsync(TimeSpan timeout) => _firstSource.Task.WaitAsync(timeout);

    private readonly List<(int Count, TaskCompletionSource Reached)> _countWaiters = [];

    /// <summary>The first <paramref name="count"/> packets received, once that many have arrived.</summary>
    public async Task<Received[]> FirstPacketsAsync(int count, TimeSpan timeout)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_countWaiters) _countWaiters.Add((count, reached));
        if (Packets.Count >= count) reached.TrySetResult();
        await reached.Task.WaitAsync(timeout);
        return Packets.Take(count).ToArray();
    }

    private void SignalCount()
    {
        lock (_countWaiters)
            foreach (var (count, reached) in _countWaiters)
                if (Packets.Count >= count) reached.TrySetResult();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                if (r.ReceivedBytes < 12 || (buffer[0] >> 6) != 2) continue;
                var pt = (byte)(buffer[1] & 0x7F);
                if (pt is >= 72 and <= 76) continue; // RTCP
                Packets.Enqueue(new Received(Stopwatch.GetTimestamp(), pt, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)),
                    BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(4)), BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(8)),
                    buffer.AsSpan(12, r.ReceivedBytes - 12).ToArray()));
                _firstSource.TrySetResult((IPEndPoint)r.RemoteEndPoint);
                SignalCount();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Replays RTP datagrams (e.g. a sipp pcap's) to <paramref name="to"/>, one per 20 ms.</summary>
    public async Task SendPacedAsync(IEnumerable<byte[]> datagrams, IPEndPoint to, CancellationToken cancellationToken)
    {
        foreach (var d in datagrams)
        {
            await _socket.SendToAsync(d, SocketFlags.None, to, cancellationToken);
            await Task.Delay(20, cancellationToken);
        }
    }

    private int _toneFrames;

    /// <summary>
    /// PCMU frames of one constant byte: recognisable when they come back through the gateway. One continuous
    /// stream across calls (sequence and timestamp carry on), as a phone's would be.
    /// </summary>
    public IEnumerable<byte[]> Tone(byte value, int frames, uint ssrc)
    {
        for (var n = 0; n < frames; n++)
        {
            var i = _toneFrames++;
            var packet = new byte[12 + 160];
            packet[0] = 0x80;
            packet[1] = 0; // PCMU
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)i);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(i * 160));
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
            packet.AsSpan(12).Fill(value);
            yield return packet;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _receiving;
        _stop.Dispose();
    }
}
