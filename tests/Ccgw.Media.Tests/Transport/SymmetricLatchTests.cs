using System.Net;
using Ccgw.Media.Transport;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Transport;

public sealed class SymmetricLatchTests
{
    private static readonly IPEndPoint Signalled = new(IPAddress.Parse("203.0.113.5"), 4000);
    // The signalled host seen through a NAT that rewrote the port.
    private static readonly IPEndPoint Real = new(IPAddress.Parse("203.0.113.5"), 31000);
    private static readonly IPEndPoint Rebound = new(IPAddress.Parse("203.0.113.5"), 42000);
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
        Assert.False(latch.Accept(Rebound.Serialize())); // even the peer's host, while the latched port is alive
        Assert.Equal(Real, latch.TargetEndPoint);
        Assert.Equal(2, latch.Rejected);
    }

    [Fact]
    public void Silence_longer_than_the_relatch_time_lets_the_signalled_host_move_to_a_new_port()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(latch.Accept(Rebound.Serialize()));
        Assert.Equal(Rebound, latch.TargetEndPoint);
        Assert.Equal(1, latch.Relatches);
        Assert.False(latch.Accept(Real.Serialize()));
    }

    [Fact]
    public void A_foreign_host_never_relatches_however_long_the_peer_is_silent()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(latch.Accept(Stranger.Serialize()));
        Assert.Equal(Real, latch.TargetEndPoint);
        Assert.Equal(0, latch.Relatches);
        Assert.Equal(1, latch.Rejected);
    }

    [Fact]
    public void A_stranger_cannot_latch_first_not_even_before_the_peer_sends()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2), Signalled);
        Assert.False(latch.Accept(Stranger.Serialize()));
        Assert.False(latch.IsLatched);
        Assert.Equal(Signalled, latch.TargetEndPoint);
        Assert.True(latch.Accept(Signalled.Serialize()));
    }

    [Fact]
    public void Without_a_signalled_address_nothing_latches()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2));
        Assert.False(latch.Accept(Real.Serialize()));
        Assert.Null(latch.TargetEndPoint);
    }

    [Fact]
    public void After_the_window_only_the_exact_signalled_port_latches()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), Signalled);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(latch.Accept(Real.Serialize()));
        Assert.True(latch.Accept(Signalled.Serialize()));
        Assert.Equal(Signalled, latch.TargetEndPoint);
    }

    [Fact]
    public void Reset_unlatches_and_uses_the_new_signalled_address()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        clock.Advance(TimeSpan.FromSeconds(30));
        var moved = new IPEndPoint(IPAddress.Parse("192.0.2.9"), 6000);
        latch.Reset(moved);
        Assert.Equal(moved, latch.TargetEndPoint);
        // A re-INVITE's answer opens a new window for the new host's NAT'd port; the old host is foreign now.
        Assert.False(latch.Accept(Real.Serialize()));
        var natted = new IPEndPoint(moved.Address, 50000);
        Assert.True(latch.Accept(natted.Serialize()));
        Assert.Equal(natted, latch.TargetEndPoint);
    }

    [Fact]
    public void Hold_without_an_address_keeps_the_peer_host_as_the_only_one_allowed()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2), Signalled);
        latch.Accept(Real.Serialize());
        latch.Reset(null);
        Assert.Null(latch.TargetEndPoint);
        Assert.False(latch.Accept(Stranger.Serialize()));
        Assert.True(latch.Accept(Rebound.Serialize()));
        Assert.Equal(Rebound, latch.TargetEndPoint);
    }

    [Fact]
    public void An_ipv4_peer_matches_on_an_ipv6_socket()
    {
        var latch = new SymmetricLatch(new ManualTimeProvider(), TimeSpan.FromSeconds(2), Signalled);
        Assert.False(latch.Accept(new IPEndPoint(Stranger.Address.MapToIPv6(), 5000).Serialize()));
        Assert.True(latch.Accept(new IPEndPoint(Signalled.Address.MapToIPv6(), 31000).Serialize()));
    }

    // A phone behind NAT: its SDP names its private address, its SIP and RTP come from the NAT's public address.
    private static readonly IPEndPoint PrivateSdp = new(IPAddress.Parse("192.168.1.20"), 4000);
    private static readonly IPAddress NatPublic = IPAddress.Parse("198.51.100.40");

    [Fact]
    public void A_natted_phone_latches_from_its_signalling_host_within_the_window()
    {
        var clock = new ManualTimeProvider();
        var latch = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), PrivateSdp);
        var fromNat = new IPEndPoint(NatPublic, 61000);
        Assert.False(latch.Accept(fromNat.Serialize())); // without the SIP source host: the strict latch of before
        latch.TrustSignallingHost(NatPublic);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(latch.Accept(fromNat.Serialize()));
        Assert.Equal(fromNat, latch.TargetEndPoint);
        Assert.False(latch.Accept(new IPEndPoint(NatPublic, 61002).Serialize())); // latched: the host's other ports are strangers
        Assert.False(latch.Accept(Stranger.Serialize()));
    }

    [Fact]
    public void The_signalling_host_may_not_latch_after_the_window_nor_take_over_a_latched_leg()
    {
        var clock = new ManualTimeProvider();
        var late = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), PrivateSdp);
        late.TrustSignallingHost(NatPublic);
        clock.Advance(SymmetricLatch.DefaultLatchWindow);
        Assert.False(late.Accept(new IPEndPoint(NatPublic, 61000).Serialize()));
        Assert.False(late.IsLatched);

        // Latched to the signalled address: a silent peer does not let the SIP host's other ports in mid-call.
        var latched = new SymmetricLatch(clock, TimeSpan.FromSeconds(2), Signalled);
        latched.TrustSignallingHost(NatPublic);
        Assert.True(latched.Accept(Signalled.Serialize()));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(latched.Accept(new IPEndPoint(NatPublic, 61000).Serialize()));
        Assert.Equal(Signalled, latched.TargetEndPoint);

        // A re-INVITE opens a new window, in which the trusted host may latch again.
        late.Reset(PrivateSdp);
        Assert.True(late.Accept(new IPEndPoint(NatPublic, 61004).Serialize()));
    }
}
