using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Issue 16, sessions: calls whose peer vanished end on their own, with our BYE and their RTP pair back in the range.
/// The testbed's clock is manual, so each limit is checked just before (the call still answers an in-dialog OPTIONS)
/// and at the moment it is reached (the BYE arrives).
/// </summary>
public sealed class SessionHygieneTests
{
    private static readonly TimeSpan SixtyFourT1 = SipTimerSettings.Default.TransactionTimeout;

    [Fact]
    public async Task A_caller_that_never_ACKs_our_200_gets_BYE_after_64_T1_and_its_ports_go_back()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(1, bed.Ports.InUse);

        bed.Time.Advance(SixtyFourT1);
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        Assert.Equal(ok.To!.Tag, bye.From!.Tag); // our BYE, inside the dialog our 200 created
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the unacknowledged call ended and freed its ports");
    }

    [Fact]
    public async Task An_ACKed_call_outlives_64_T1()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var (call, tag) = await AnsweredAndAckedAsync(bed);

        bed.Time.Advance(SixtyFourT1 + TimeSpan.FromSeconds(1));
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 3));
        Assert.Equal(1, bed.Ports.InUse);
        Assert.Equal(1, bed.Gateway.ActiveCalls);
    }

    [Fact]
    public async Task A_caller_whose_RTP_stops_is_hung_up_after_the_RTP_timeout_and_not_before()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: s => s with { RtpTimeout = TimeSpan.FromSeconds(10) });
        var (call, tag) = await AnsweredAndAckedAsync(bed);

        bed.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 3));
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the silent call ended and freed its ports");
    }

    [Fact]
    public async Task A_call_ends_at_the_longest_call_length()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: s => s with { MaxCallDuration = TimeSpan.FromMinutes(2), RtpTimeout = TimeSpan.Zero });
        var (call, tag) = await AnsweredAndAckedAsync(bed);

        bed.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 3));
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended at its longest length and freed its ports");
    }

    /// <summary>INVITE, 200, ACK; an OPTIONS answered 200 afterwards shows the ACK was taken before the test moves the clock.</summary>
    private static async Task<(CallIds Call, string Tag)> AnsweredAndAckedAsync(VoiceTestbed bed)
    {
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, "INVITE");
        Assert.Equal(200, ok.StatusCode);
        var tag = ok.To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, call, tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 2));
        return (call, tag);
    }

    private static async Task<int> OptionsAsync(VoiceTestbed bed, CallIds call, string tag, int cseq)
    {
        await bed.SendInDialogAsync(SipMethods.Options, call, tag, cseq);
        return (await bed.FinalResponseAsync(call, SipMethods.Options)).StatusCode;
    }
}
