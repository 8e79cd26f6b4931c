namespace Ccgw.Voice.Tests;

/// <summary>Trunk INVITEs through the stack host's one road: admission, the gateway's intake, and the RTP ports a call takes.</summary>
public sealed class TrunkCallIntakeTests
{
    [Fact]
    public async Task A_call_that_cannot_be_taken_after_its_ports_opened_gives_them_back_and_answers_500()
    {
        var customers = new Customers(failing: true);
        await using var bed = await VoiceTestbed.StartAsync(customers);
        Assert.Equal(1, bed.Ports.Capacity);

        // Three calls in a row on a one-pair range: with a leak, the second would already find no ports (503).
        for (var i = 0; i < 3; i++)
        {
            var call = await bed.SendInviteAsync();
            var response = await bed.FinalResponseAsync(call, "INVITE");
            Assert.Equal(500, response.StatusCode);
            await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0, "the failed call's RTP pair went back to the range");
        }
        Assert.Equal(3, customers.Lookups);
        Assert.Equal(0, bed.Gateway.ActiveCalls);
    }

    [Fact]
    public async Task An_answered_call_holds_a_port_pair_until_the_callers_BYE_frees_it()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(1, bed.Ports.InUse);
        Assert.Equal(1, bed.Gateway.ActiveCalls);

        await bed.SendInDialogAsync("ACK", call, ok.To!.Tag, 1);
        await bed.SendInDialogAsync("BYE", call, ok.To!.Tag, 2);
        Assert.Equal(200, (await bed.FinalResponseAsync(call, "BYE")).StatusCode);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended and freed its ports");
    }

    [Fact]
    public async Task When_the_range_is_used_up_the_next_call_gets_503_and_the_first_keeps_its_pair()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var first = await bed.SendInviteAsync();
        Assert.Equal(200, (await bed.FinalResponseAsync(first, "INVITE")).StatusCode);
        var second = await bed.SendInviteAsync();
        Assert.Equal(503, (await bed.FinalResponseAsync(second, "INVITE")).StatusCode);
        Assert.Equal(1, bed.Ports.InUse);
        Assert.Equal(1, bed.Gateway.ActiveCalls);
    }

    [Fact]
    public async Task A_number_no_trunk_routes_is_refused_with_404_before_any_port_is_taken()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync(did: "999");
        Assert.Equal(404, (await bed.FinalResponseAsync(call, "INVITE")).StatusCode);
        Assert.Equal(0, bed.Ports.InUse);
    }

    [Fact]
    public async Task Without_a_voice_path_an_admitted_call_gets_480()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        bed.Host.Attach(null);
        var call = await bed.SendInviteAsync();
        Assert.Equal(480, (await bed.FinalResponseAsync(call, "INVITE")).StatusCode);
        Assert.Equal(0, bed.Ports.InUse);
    }
}
