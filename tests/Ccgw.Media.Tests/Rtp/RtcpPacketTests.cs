using System.Text;
using Ccgw.Media.Rtp;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Rtp;

public sealed class RtcpPacketTests
{
    [Fact]
    public void Compound_sender_report_and_bye_round_trip()
    {
        var buffer = new byte[256];
        var block = new RtcpReportBlock(0xCAFE, 25, -3, 70000, 12, 0x11112222, 65536);
        var n = RtcpWriter.WriteSenderReport(buffer, 0xAB, new RtcpSenderInfo(0x0102030405060708, 160, 50, 8000), [block]);
        n += RtcpWriter.WriteBye(buffer.AsSpan(n), 0xAB, "hangup"u8);
        var wire = buffer.AsSpan(0, n);

        Assert.True(RtcpCompoundReader.IsValid(wire));
        var reader = new RtcpCompoundReader(wire);
        Assert.True(reader.TryRead(out var sr));
        Assert.Equal(RtcpPacketType.SenderReport, sr.Type);
        Assert.Equal(0xABu, sr.Ssrc);
        Assert.Equal(50u, sr.SenderInfo.PacketCount);
        Assert.Equal(0x0102030405060708ul, sr.SenderInfo.NtpTimestamp);
        Assert.Equal(block, sr.GetReportBlock(0));
        Assert.True(reader.TryRead(out var bye));
        Assert.Equal(RtcpPacketType.Goodbye, bye.Type);
        Assert.Equal(0xABu, bye.GetByeSource(0));
        Assert.Equal("hangup", Encoding.UTF8.GetString(bye.ByeReason));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void Receiver_report_without_blocks_is_eight_bytes()
    {
        var buffer = new byte[64];
        var n = RtcpWriter.WriteReceiverReport(buffer, 7, []);
        Assert.Equal(8, n);
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, n));
        Assert.True(RtcpCompoundReader.IsValid(buffer.AsSpan(0, n)));
        Assert.True(reader.TryRead(out var rr));
        Assert.Equal(RtcpPacketType.ReceiverReport, rr.Type);
        Assert.Equal(0, rr.Count);
    }

    [Fact]
    public void Length_that_overruns_the_datagram_is_invalid()
    {
        byte[] wire = [0x81, 201, 0, 9, 0, 0, 0, 1];
        Assert.False(RtcpCompoundReader.IsValid(wire));
    }

    [Fact]
    public void Report_block_count_beyond_the_packet_is_invalid()
    {
        byte[] wire = [0x81, 201, 0, 1, 0, 0, 0, 1];
        Assert.False(RtcpCompoundReader.IsValid(wire));
    }

    [Fact]
    public void Fuzz_valid_means_every_accessor_is_safe()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            if (bytes.Length > 1)
            {
                bytes[0] = (byte)((bytes[0] & 0x3F) | 0x80);
                bytes[1] = (byte)(200 + (bytes[1] % 5));
            }
            if (!RtcpCompoundReader.IsValid(bytes)) return true;
            var reader = new RtcpCompoundReader(bytes);
            while (reader.TryRead(out var p))
            {
                switch (p.Type)
                {
                    case RtcpPacketType.SenderReport:
                        _ = p.SenderInfo;
                        for (var i = 0; i < p.Count; i++) _ = p.GetReportBlock(i);
                        break;
                    case RtcpPacketType.ReceiverReport:
                        for (var i = 0; i < p.Count; i++) _ = p.GetReportBlock(i);
                        break;
                    case RtcpPacketType.Goodbye:
                        for (var i = 0; i < p.Count; i++) _ = p.GetByeSource(i);
                        _ = p.ByeReason.Length;
                        break;
                }
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
