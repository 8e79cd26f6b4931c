using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;

namespace Ccgw.Media.Tests.Playout;

/// <summary>Records the header fields of every packet a stream sends.</summary>
internal sealed class CapturingSink : IRtpSink
{
    public List<SentPacket> Packets { get; } = [];

    public void Send(ReadOnlySpan<byte> packet)
    {
        Assert.True(RtpPacket.TryParse(packet, out var p));
        Packets.Add(new SentPacket(p.PayloadType, p.SequenceNumber, p.Timestamp, p.Ssrc, p.Marker, p.Payload.ToArray()));
    }
}

internal sealed record SentPacket(byte PayloadType, ushort Sequence, uint Timestamp, uint Ssrc, bool Marker, byte[] Payload);
