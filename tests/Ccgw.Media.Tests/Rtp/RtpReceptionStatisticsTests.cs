using Ccgw.Media.Rtp;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Rtp;

public sealed class RtpReceptionStatisticsTests
{
    [Fact]
    public void Sequence_wrap_extends_the_highest_sequence_and_losses_are_counted()
    {
        var stats = new RtpReceptionStatistics();
        ushort seq = 65530;
        for (var i = 0; i < 20; i++, seq++)
        {
            if (i is 3 or 9) continue; // two lost packets
            stats.Update(7, seq, (uint)(160 * i), 160 * i);
        }
        var block = stats.CreateReportBlock();
        Assert.Equal(65536u + 13, block.HighestSequence);
        Assert.Equal(2, block.CumulativeLost);
        Assert.Equal((byte)(2 * 256 / 20), block.FractionLost);
        Assert.Equal(0u, block.Jitter); // perfectly paced
        Assert.Equal(0, stats.CreateReportBlock().FractionLost); // nothing new lost in the next interval
    }

    [Fact]
    public void A_single_wild_jump_is_ignored_and_two_in_a_row_restart_the_source()
    {
        var stats = new RtpReceptionStatistics();
        stats.Update(1, 100, 0, 0);
        Assert.False(stats.Update(1, 30000, 160, 160));
        stats.Update(1, 101, 320, 320);
        Assert.Equal(101u, stats.ExtendedHighestSequence);
        Assert.False(stats.Update(1, 40000, 480, 480));
        Assert.True(stats.Update(1, 40001, 640, 640));
        Assert.Equal(40001u, stats.ExtendedHighestSequence);
        Assert.Equal(1, stats.Received);
    }

    [Fact]
    public void Jitter_grows_with_irregular_arrival()
    {
        var stats = new RtpReceptionStatistics();
        for (var i = 0; i < 50; i++) stats.Update(1, (ushort)i, (uint)(160 * i), (160 * i) + (i % 2 == 0 ? 0 : 80));
        Assert.InRange(stats.Jitter, 60u, 80u); // converges towards the 80-unit alternation
    }

    [Fact]
    public void Property_in_order_delivery_without_loss_reports_no_loss()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<(ushort, byte)>(), t =>
        {
            var (start, count) = t;
            var stats = new RtpReceptionStatistics();
            for (var i = 0; i <= count; i++) stats.Update(3, (ushort)(start + i), (uint)(160 * i), 160 * i);
            var block = stats.CreateReportBlock();
            return block.CumulativeLost == 0 && block.FractionLost == 0 && block.HighestSequence == (uint)start + count;
        }).QuickCheckThrowOnFailure();
    }
}
