using System.Net;
using Ccgw.Media.Transport;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Transport;

public sealed class SymmetricLatchTests
{
    private static readonly IPEndPoint Signalled = new(IPAddress.Parse("10.0.0.1"), 4000);
    private static readonly IPEndPoint Real = new(IPAddress.Parse("203.0.113.5"), 31000);
    private static readonly IPEndPoint Stranger = new(IPAddress.Parse("198.51.100.7"), 5000);

    [Fact]
    public void Sends_to_signalled_address_until_the_first_packet_then_to_its_source()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2), Signalled);
        Assert.Equal(Signalled, latch.TargetEndPoint);
        Assert.True(latch.Accept(Real.Serialize()));
        Assert.Equal(Real, latch.TargetEndPoint);
        Assert.True(latch.IsLatched);
    }

    [Fact]
    public void Other_sources_are_rejected_while_the_latched_one_is_alive()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(latch.Accept(Real.Serialize()));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(latch.Accept(Stranger.Serialize()));
        Assert.Equal(Real, latch.TargetEndPoint);
        Assert.Equal(1, latch.Rejected);
    }

    [Fact]
    public void Silence_longer_than_the_relatch_time_lets_a_new_source_take_over()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(latch.Accept(Stranger.Serialize()));
        Assert.Equal(Stranger, latch.TargetEndPoint);
        Assert.Equal(1, latch.Relatches);
        Assert.False(latch.Accept(Real.Serialize()));
    }

    [Fact]
    public void Reset_unlatches_and_uses_the_new_signalled_address()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        latch.Reset(null);
        Assert.Null(latch.TargetEndPoint);
        Assert.True(latch.Accept(Stranger.Serialize()));
        Assert.Equal(Stranger, latch.TargetEndPoint);
    }
}
