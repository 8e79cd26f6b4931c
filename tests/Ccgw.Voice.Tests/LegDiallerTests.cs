using Ccgw.Sip.Message;

namespace Ccgw.Voice.Tests;

/// <summary>Placing legs: media ports first, then the INVITE with our offer; no ports, no leg.</summary>
public sealed class LegDiallerTests
{
    private static SipUri Customer => new("sip", "5550199", "127.0.0.1", 5070);

    [Fact]
    public async Task A_prepared_call_offers_the_port_it_holds_and_a_used_up_range_prepares_nothing()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var dialler = bed.NewDialler();
        var destination = new Ccgw.Sip.Transport.SipEndPoint(Ccgw.Sip.Transport.SipTransportKind.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5070));
        var first = dialler.PrepareCall(Customer, destination, dialler.Sip.OnDomain("callback"), new SipNameAddress(Customer));

        Assert.NotNull(first);
        Assert.Equal(1, bed.Ports.InUse);
        Assert.Contains($"m=audio {first.Media.LocalRtpPort} ", SipSignalling.BodyText(first.Leg.Invite), StringComparison.Ordinal);
        Assert.EndsWith("@localhost", first.Leg.CallId, StringComparison.Ordinal);
        Assert.Null(dialler.PrepareCall(Customer, destination, dialler.Sip.OnDomain("callback"), new SipNameAddress(Customer)));

        await first.Media.DisposeAsync();
        Assert.Equal(0, bed.Ports.InUse);
    }

    [Fact]
    public async Task Placing_a_call_without_free_ports_says_so_and_routes_nothing()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var dialler = bed.NewDialler();
        await using var held = dialler.OpenMedia();
        var destination = new Ccgw.Sip.Transport.SipEndPoint(Ccgw.Sip.Transport.SipTransportKind.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5070));
        var failure = await dialler.PlaceCallAsync(Customer, destination, dialler.Sip.OnDomain("callback"), new SipNameAddress(Customer),
            TimeSpan.FromSeconds(30), _ => Assert.Fail("no leg to route"), (_, _) => true);
        Assert.Equal("no media ports", failure);
    }
}
