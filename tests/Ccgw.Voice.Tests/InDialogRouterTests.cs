namespace Ccgw.Voice.Tests;

/// <summary>In-dialog requests, ACK and CANCEL, all handed up by the stack host to the router.</summary>
public sealed class InDialogRouterTests
{
    [Fact]
    public async Task A_request_in_a_dialog_no_call_holds_gets_481()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var stranger = new CallIds("nobody@test", "x1", "z9hG4bKnobody");
        await bed.SendInDialogAsync("BYE", stranger, "notours", 2);
        Assert.Equal(481, (await bed.FinalResponseAsync(stranger, "BYE")).StatusCode);
    }

    [Fact]
    public async Task OPTIONS_and_a_refresh_without_SDP_in_a_call_are_answered_200_with_our_contact()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        await bed.SendInDialogAsync("ACK", call, ok.To!.Tag, 1);

        await bed.SendInDialogAsync("OPTIONS", call, ok.To!.Tag, 2);
        Assert.Equal(200, (await bed.FinalResponseAsync(call, "OPTIONS")).StatusCode);
        await bed.SendInDialogAsync("UPDATE", call, ok.To!.Tag, 3);
        var refreshed = await bed.FinalResponseAsync(call, "UPDATE");
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal("ccgw", Assert.Single(refreshed.Contact).Uri.User);
        Assert.Equal(1, bed.Gateway.ActiveCalls);
    }

    [Fact]
    public async Task A_request_out_of_sequence_gets_500_and_leaves_the_call_up()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        await bed.SendInDialogAsync("ACK", call, ok.To!.Tag, 1);
        await bed.SendInDialogAsync("INFO", call, ok.To!.Tag, 5);
        Assert.Equal(415, (await bed.FinalResponseAsync(call, "INFO")).StatusCode);

        // CSeq 4 after 5: an old request (RFC 3261 §12.2.2).
        await bed.SendInDialogAsync("BYE", call, ok.To!.Tag, 4);
        Assert.Equal(500, (await bed.FinalResponseAsync(call, "BYE")).StatusCode);
        Assert.Equal(1, bed.Gateway.ActiveCalls);
    }

    [Fact]
    public async Task CANCEL_while_the_call_is_being_taken_ends_it_with_487_and_frees_its_ports()
    {
        var customers = new HeldCustomers();
        await using var bed = await VoiceTestbed.StartAsync(customers);
        var call = await bed.SendInviteAsync();
        await customers.Asked.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, bed.Ports.InUse);

        await bed.SendInDialogAsync("CANCEL", call, null, 1);
        Assert.Equal(200, (await bed.FinalResponseAsync(call, "CANCEL")).StatusCode);
        Assert.Equal(487, (await bed.FinalResponseAsync(call, "INVITE")).StatusCode);

        customers.Answer.SetResult();
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0,
            "the cancelled call never became a call and gave its ports back");
    }

    [Fact]
    public async Task CANCEL_of_an_answered_call_changes_nothing()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        Assert.Equal(200, ok.StatusCode);
        await bed.SendInDialogAsync("ACK", call, ok.To!.Tag, 1);
        await bed.SendInDialogAsync("CANCEL", call, null, 1);
        // §9.2: 200 while the INVITE transaction lingers, 481 once it is gone; either way the call stays up.
        Assert.Contains((await bed.FinalResponseAsync(call, "CANCEL")).StatusCode, new[] { 200, 481 });
        Assert.Equal(1, bed.Gateway.ActiveCalls);
        Assert.Equal(1, bed.Ports.InUse);
    }
}
