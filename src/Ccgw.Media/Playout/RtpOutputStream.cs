using Ccgw.Media.Audio;
using Ccgw.Media.Rtp;

namespace Ccgw.Media.Playout;

/// <summary>
/// One outgoing RTP stream (one call leg) driven by the <see cref="MediaScheduler"/>. Playbacks queue and play
/// back to back; the RTP clock runs on while the stream is idle, so timestamps always reflect real time
/// (RFC 3550 §5.1) and the first packet after a gap carries the marker bit (RFC 3551 §4.1).
/// </summary>
public sealed class RtpOutputStream : IDisposable
{
    private const int FrameTimestampUnits = AudioPrompt.SamplesPerFrame;

    private readonly object _gate = new();
    private readonly MediaScheduler _scheduler;
    private readonly IRtpSink _sink;
    private readonly RtpStreamFormat _format;
    private readonly Queue<Playback> _queue = new();
    private readonly byte[] _packet = new byte[RtpPacket.FixedHeaderLength + AudioPrompt.SamplesPerFrame];
    private Playback? _current;
    private ushort _sequence;
    private uint _timestamp;
    private uint _eventTimestamp;
    private bool _talking;
    private bool _anchored;
    private long _anchor;
    private long _framesDone;
    private bool _disposed;
    private int _framesUntilReport = NextReportInterval();
    private TimeSpan _sendDeviation;

    internal RtpOutputStream(MediaScheduler scheduler, IRtpSink sink, RtpStreamFormat format, int subSlot = 0)
    {
        _scheduler = scheduler;
        SubSlot = subSlot;
        _sink = sink;
        _format = format;
        Ssrc = format.Ssrc ?? (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        _sequence = format.InitialSequence ?? (ushort)Random.Shared.Next(0, ushort.MaxValue + 1);
        _timestamp = format.InitialTimestamp ?? (uint)Random.Shared.NextInt64(0, uint.MaxValue);
    }

    public uint Ssrc { get; }
    /// <summary>The scheduler sub-slot this stream is served in; its schedule is offset to it.</summary>
    internal int SubSlot { get; }
    public RtpStreamFormat Format => _format;
    /// <summary>Where the stream would continue: hand these to a relay so the peer sees one continuous stream.</summary>
    public (ushort Sequence, uint Timestamp) NextPosition
    {
        get { lock (_gate) return (_sequence, _timestamp); }
    }

    /// <summary>Packets and payload octets sent, for the RTCP sender report (§6.4.1).</summary>
    public long PacketsSent { get; private set; }
    public long OctetsSent { get; private set; }
    /// <summary>Frames dropped because the scheduler fell further behind than its catch-up bound.</summary>
    public long FramesSkipped { get; private set; }

    /// <summary>Queues <paramref name="source"/>; the task ends when it has played out or was interrupted.</summary>
    public Task<PlaybackOutcome> PlayAsync(IMediaSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source is Dtmf.DtmfToneSource && _format.TelephoneEventPayloadType is null)
            throw new InvalidOperationException("The peer did not negotiate telephone-event; DTMF cannot be sent in RTP.");
        var playback = new Playback(source);
        lock (_gate)
        {
            if (_disposed) return Task.FromResult(PlaybackOutcome.Interrupted);
            _queue.Enqueue(playback);
        }
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => Interrupt(playback));
            playback.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return playback.Completion.Task;
    }

    /// <summary>Interrupts the current and all queued playbacks (barge-in on a digit, or before bridging).</summary>
    public void StopPlayback()
    {
        List<Playback> stopped;
        lock (_gate)
        {
            stopped = [.. _queue];
            if (_current is not null) stopped.Add(_current);
            _queue.Clear();
            _current = null;
        }
        foreach (var p in stopped) p.Completion.TrySetResult(PlaybackOutcome.Interrupted);
    }

    public void Dispose()
    {
        lock (_gate) _disposed = true;
        _scheduler.Remove(this);
        StopPlayback();
    }

    private void Interrupt(Playback playback)
    {
        lock (_gate)
        {
            if (_current == playback) _current = null;
            else if (_queue.Contains(playback))
            {
                var keep = _queue.Where(p => p != playback).ToArray();
                _queue.Clear();
                foreach (var p in keep) _queue.Enqueue(p);
            }
        }
        playback.Completion.TrySetResult(PlaybackOutcome.Interrupted);
    }

    /// <summary>Called by the scheduler on every tick: sends the frames that are due, at most <paramref name="maxBurst"/>.</summary>
    internal void OnTick(long now, TimeProvider time, int maxBurst)
    {
        Playback? finished = null;
        lock (_gate)
        {
            if (_disposed) return;
            if (!_anchored)
            {
                _anchor = _scheduler.GridPoint(now, SubSlot);
                _anchored = true;
            }
            // Half a slot (half a frame without sub-slots) of slack absorbs timer jitter, so a tick that fires slightly
            // early does not leave a frame for a later burst; no more, so a tick serving a missed sub-slot's streams at
            // another slot's time does not send them a frame early.
            var elapsed = time.GetElapsedTime(_anchor, now) + _scheduler.DueSlack;
            var due = (elapsed.Ticks / MediaScheduler.FrameInterval.Ticks) + 1 - _framesDone;
            if (due > maxBurst)
            {
                // Too far behind (a stalled machine): drop the backlog rather than flood the peer's jitter buffer;
                // the timestamp still jumps by the skipped time so the receiver sees the real gap.
                var skip = due - maxBurst;
                FramesSkipped += skip;
                _scheduler.AddSkipped(skip);
                _framesDone += skip;
                _timestamp += (uint)(skip * FrameTimestampUnits);
                _talking = false;
                due = maxBurst;
            }
            // The send time is read per stream, not per tick: with a thousand streams the last one's packets leave
            // after the others' sendto calls, and that delay is part of what the lateness metric must show.
            var sentAt = due > 0 ? time.GetElapsedTime(_anchor, time.GetTimestamp()) : TimeSpan.Zero;
            for (; due > 0; due--)
            {
                _sendDeviation = sentAt - TimeSpan.FromTicks(MediaScheduler.FrameInterval.Ticks * _framesDone);
                finished ??= EmitFrame();
                _framesDone++;
                _timestamp += FrameTimestampUnits;
                if (--_framesUntilReport <= 0) Report();
            }
        }
        // Outside the lock, and asynchronous continuations: IVR logic must never run on the scheduler's tick.
        finished?.Completion.TrySetResult(PlaybackOutcome.Completed);
    }

    /// <summary>
    /// Sender reports ride on the same tick as the media: no timer per call. The interval is 5 s randomised to
    /// 0.5-1.5x (RFC 3550 §6.3.5) so that calls started together do not report in lockstep.
    /// </summary>
    private void Report()
    {
        _framesUntilReport = NextReportInterval();
        if (PacketsSent > 0 && _sink is IRtcpReportSink reports)
            reports.SendSenderReport(Ssrc, _timestamp, (uint)PacketsSent, (uint)OctetsSent);
    }

    private static int NextReportInterval() => Random.Shared.Next(125, 376);

    private Playback? EmitFrame()
    {
        Playback? finished = null;
        while (true)
        {
            if (_current is null && !_queue.TryDequeue(out _current))
            {
                _talking = false;
                return finished;
            }
            var payload = _packet.AsSpan(RtpPacket.FixedHeaderLength);
            var length = _current.Source.ReadFrame(payload, _format.Codec, out var kind);
            if (length == 0)
            {
                // One completion per tick is reported; a second empty source in the same tick is rare and completes next tick.
                if (finished is not null) return finished;
                finished = _current;
                _current = null;
                continue;
            }
            Send(kind, length);
            return finished;
        }
    }

    private void Send(FrameKind kind, int length)
    {
        byte payloadType;
        uint timestamp;
        bool marker;
        if (kind == FrameKind.Audio)
        {
            payloadType = _format.PayloadType;
            timestamp = _timestamp;
            marker = !_talking;
            _talking = true;
        }
        else
        {
            if (kind == FrameKind.EventStart) _eventTimestamp = _timestamp;
            payloadType = _format.TelephoneEventPayloadType ?? _format.PayloadType;
            timestamp = _eventTimestamp;
            marker = kind == FrameKind.EventStart;
        }
        var header = new RtpHeader(payloadType, _sequence++, timestamp, Ssrc, marker);
        RtpWriter.WriteFixedHeader(_packet, header, 0);
        var total = RtpPacket.FixedHeaderLength + length;
        _sink.Send(_packet.AsSpan(0, total));
        PacketsSent++;
        OctetsSent += length;
        _scheduler.RecordLateness(_sendDeviation);
    }

    private sealed class Playback(IMediaSource source)
    {
        public IMediaSource Source { get; } = source;
        public TaskCompletionSource<PlaybackOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
