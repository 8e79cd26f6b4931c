using BenchmarkDotNet.Attributes;
using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;

namespace Ccgw.Bench.Media;

/// <summary>The per-packet hot paths: what each RTP packet costs the gateway (goal: 0 B allocated).</summary>
[MemoryDiagnoser]
public class PacketBenchmarks
{
    private readonly byte[] _packet = new byte[172];
    private readonly byte[] _relayPacket = new byte[172];
    private readonly byte[] _payload = new byte[160];
    private readonly short[] _samples = new short[160];
    private readonly byte[][] _eventPackets = new byte[7][];
    private readonly DtmfReceiver _dtmf = new();
    private RtpRelay.Direction _relay = null!;
    private ushort _sequence;
    private uint _eventTimestamp;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _samples.Length; i++) _samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8000.0));
        G711.Encode(G711Codec.Pcmu, _samples, _payload);
        RtpWriter.Write(_packet, new RtpHeader(0, 1, 160, 0x1234), _payload);
        var tone = new DtmfToneSource('5');
        for (var i = 0; i < _eventPackets.Length; i++)
        {
            var payload = new byte[4];
            tone.ReadFrame(payload, G711Codec.Pcmu, out _);
            _eventPackets[i] = payload;
        }
        _relay = new RtpRelay.Direction(new RelayLegFormat(G711Codec.Pcmu, 0, 101), new RelayLegFormat(G711Codec.Pcmu, 0, 101), new NullSink());
    }

    [Benchmark]
    public int RtpParse()
    {
        RtpPacket.TryParse(_packet, out var p);
        return p.SequenceNumber + p.PayloadLength;
    }

    [Benchmark]
    public int RtpWrite() => RtpWriter.Write(_packet, new RtpHeader(0, _sequence++, 160u * _sequence, 0x1234), _payload);

    [Benchmark]
    public byte MulawEncodeFrame()
    {
        G711.Encode(G711Codec.Pcmu, _samples, _payload);
        return _payload[7];
    }

    [Benchmark]
    public short MulawDecodeFrame()
    {
        G711.Decode(G711Codec.Pcmu, _payload, _samples);
        return _samples[7];
    }

    /// <summary>One key press: 7 packets (4 growing, 3 end) through the receiver; divide by 7 for per packet.</summary>
    [Benchmark(OperationsPerInvoke = 7)]
    public int DtmfReceiverPerPacket()
    {
        _eventTimestamp += 1600;
        var digits = 0;
        foreach (var e in _eventPackets)
        {
            if (_dtmf.TryAccept(1, _eventTimestamp, e, out _)) digits++;
        }
        return digits;
    }

    /// <summary>Validate, map and rewrite one packet in place (the relay's work between receive and send).</summary>
    [Benchmark]
    public long RelayForwardPerPacket()
    {
        _packet.CopyTo(_relayPacket);
        _relay.Forward(_relayPacket);
        return _relay.Forwarded;
    }

    private sealed class NullSink : IRtpSink
    {
        public void Send(ReadOnlySpan<byte> packet)
        {
        }
    }
}
