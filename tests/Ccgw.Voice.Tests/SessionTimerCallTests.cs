using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Issue 16, sessions: calls whose peer stopped answering in-dialog. RFC 4028 session timers when the caller asks for
/// them (we answer as UAS, §9; we refresh at half the interval when we are the refresher; we give up at the interval
/// minus min(32 s, a third) when the caller is, §10), and in-dialog OPTIONS where it does not (Voice:DialogProbeSeconds).
/// Each end is checked at its moment on the manual clock and, where it matters, just before.
/// </summary>
public sealed class SessionTimerCallTests
{
    private static readonly TimeSpan SixtyFourT1 = SipTimerSettings.Default.TransactionTimeout;

    [Fact]
    public async Task A_caller_that_refreshes_gets_Session_Expires_with_Require_timer_and_is_hung_up_when_its_refresh_does_not_come()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: NoOtherWatch);
        var call = await bed.SendInviteAsync(extraHeaders: "Supported: timer\r\nSession-Expires: 120;refresher=uac\r\n");
        var ok = await bed.FinalResponseAsync(call, SipMethods.Invite);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("120;refresher=uac", ok.Headers.Get("Session-Expires"));
        Assert.Contains("timer", ok.Headers.GetTokens("Require"));
        var tag = ok.To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, call, tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 2)); // the ACK was taken before the clock moves

        // 120 - min(32, 40) = 88 s. A refresh (UPDATE, answered 200 with the interval) at 80 s starts the clock again.
        bed.Time.Advance(TimeSpan.FromSeconds(80));
        await bed.SendInDialogAsync(SipMethods.Update, call, tag, 3, "Supported: timer\r\nSession-Expires: 120;refresher=uac\r\n");
        var refreshed = await bed.FinalResponseAsync(call, SipMethods.Update);
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal("120;refresher=uac", refreshed.Headers.Get("Session-Expires"));
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 4)); // the UPDATE was taken before the clock moves on

        bed.Time.Advance(TimeSpan.FromSeconds(87));
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 5));
        Assert.Equal(1, bed.Gateway.ActiveCalls);
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the expired session ended and freed its ports");
    }

    [Fact]
    public async Task An_interval_below_our_minimum_is_refused_with_422_and_Min_SE_before_any_port_is_taken()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var call = await bed.SendInviteAsync(extraHeaders: "Supported: timer\r\nSession-Expires: 60\r\n");
        var answer = await bed.FinalResponseAsync(call, SipMethods.Invite);
        Assert.Equal(422, answer.StatusCode);
        Assert.Equal("90", answer.Headers.Get("Min-SE"));
        Assert.Equal(0, bed.Ports.InUse);
        Assert.Equal(0, bed.Gateway.ActiveCalls);

        // §6: the caller retries with the interval it was told; that one is taken.
        var retry = await bed.SendInviteAsync(extraHeaders: "Supported: timer\r\nMin-SE: 90\r\nSession-Expires: 90\r\n");
        var ok = await bed.FinalResponseAsync(retry, SipMethods.Invite);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("90;refresher=uac", ok.Headers.Get("Session-Expires"));
    }

    [Fact]
    public async Task With_a_caller_that_cannot_refresh_we_refresh_at_half_the_interval_and_end_when_the_refresh_goes_unanswered()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: NoOtherWatch);
        // Session-Expires without Supported: timer (a proxy asked for it): the UAS must refresh (§9).
        var call = await bed.SendInviteAsync(extraHeaders: "Session-Expires: 200\r\n");
        var ok = await bed.FinalResponseAsync(call, SipMethods.Invite);
        Assert.Equal("200;refresher=uas", ok.Headers.Get("Session-Expires"));
        Assert.Empty(ok.Headers.GetTokens("Require"));
        var tag = ok.To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, call, tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, tag, 2));

        // At 100 s: a re-INVITE (the caller did not allow UPDATE) with the SDP we sent and the interval; 200 → we ACK.
        bed.Time.Advance(TimeSpan.FromSeconds(100));
        var refresh = await bed.NextRequestAsync(SipMethods.Invite);
        Assert.Equal(call.CallId, refresh.CallId);
        Assert.Equal("200;refresher=uas", refresh.Headers.Get("Session-Expires"));
        Assert.Equal("application/sdp", refresh.ContentType);
        await bed.RespondAsync(refresh, 200);
        var ack = await bed.NextRequestAsync(SipMethods.Ack);
        Assert.Equal(refresh.CSeq!.Number, ack.CSeq!.Number);

        // The next refresh, 100 s later, is never answered: after the transaction's timeout the call ends with BYE.
        // The refresh timer is re-armed when our 200 and ACK have been processed on the gateway's SIP thread; if the
        // clock moved before that, the next refresh is due a whole interval later, so move it once more.
        bed.Time.Advance(TimeSpan.FromSeconds(100));
        SipRequest? unanswered = null;
        for (var moved = 0; unanswered is null;)
        {
            try
            {
                var next = await bed.NextRequestAsync(SipMethods.Invite, TimeSpan.FromSeconds(5));
                if (next.CSeq!.Number != refresh.CSeq.Number) unanswered = next; // else a retransmission of the first
            }
            catch (OperationCanceledException) when (moved++ == 0)
            {
                bed.Time.Advance(TimeSpan.FromSeconds(100));
            }
        }
        Assert.Equal(1, bed.Gateway.ActiveCalls);
        bed.Time.Advance(SixtyFourT1);
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the unrefreshed call ended and freed its ports");
    }

    [Fact]
    public async Task A_caller_that_allows_UPDATE_is_refreshed_by_UPDATE_and_a_481_ends_the_call()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: NoOtherWatch);
        var call = await bed.SendInviteAsync(extraHeaders: "Allow: INVITE, ACK, BYE, CANCEL, UPDATE\r\nSession-Expires: 90;refresher=uas\r\nSupported: timer\r\n");
        var ok = await bed.FinalResponseAsync(call, SipMethods.Invite);
        Assert.Equal("90;refresher=uas", ok.Headers.Get("Session-Expires"));
        await bed.SendInDialogAsync(SipMethods.Ack, call, ok.To!.Tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, ok.To!.Tag!, 2));

        bed.Time.Advance(TimeSpan.FromSeconds(45));
        var update = await bed.NextRequestAsync(SipMethods.Update);
        Assert.True(update.Body.IsEmpty);
        await bed.RespondAsync(update, 481);
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call whose dialog is gone ended and freed its ports");
    }

    [Fact]
    public async Task Without_session_timers_an_in_dialog_OPTIONS_probe_keeps_an_answering_caller_and_ends_a_silent_one()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: s => NoOtherWatch(s) with { DialogProbeInterval = TimeSpan.FromSeconds(10) });
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, SipMethods.Invite);
        Assert.Null(ok.Headers.Get("Session-Expires"));
        Assert.Contains("timer", ok.Headers.GetTokens("Supported"));
        await bed.SendInDialogAsync(SipMethods.Ack, call, ok.To!.Tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, ok.To!.Tag!, 2));

        bed.Time.Advance(TimeSpan.FromSeconds(10));
        var probe = await bed.NextRequestAsync(SipMethods.Options);
        Assert.Equal(call.CallId, probe.CallId);
        Assert.Equal(ok.To!.Tag, probe.From!.Tag); // inside the caller's dialog, from our side
        await bed.RespondAsync(probe, 200);

        bed.Time.Advance(TimeSpan.FromSeconds(10));
        // Skip the first probe's retransmissions (Timer E may fire before its 200 is read): the next probe is a new request.
        SipRequest second;
        do second = await bed.NextRequestAsync(SipMethods.Options);
        while (second.CSeq!.Number == probe.CSeq!.Number);
        Assert.Equal(1, bed.Gateway.ActiveCalls);
        // No answer to this one: the non-INVITE transaction times out (Timer F, 64*T1), the dialog counts as gone.
        bed.Time.Advance(SixtyFourT1);
        var bye = await bed.NextRequestAsync(SipMethods.Bye);
        Assert.Equal(call.CallId, bye.CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the silent caller's call ended and freed its ports");
    }

    [Fact]
    public async Task With_probing_off_and_no_session_timer_an_idle_call_stays_up()
    {
        await using var bed = await VoiceTestbed.StartAsync(tune: NoOtherWatch);
        var call = await bed.SendInviteAsync();
        var ok = await bed.FinalResponseAsync(call, SipMethods.Invite);
        await bed.SendInDialogAsync(SipMethods.Ack, call, ok.To!.Tag, 1);
        Assert.Equal(200, await OptionsAsync(bed, call, ok.To!.Tag!, 2));
        bed.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(200, await OptionsAsync(bed, call, ok.To!.Tag!, 3)); // still up: nothing ended it
        Assert.Equal(1, bed.Gateway.ActiveCalls);
    }

    /// <summary>RTP silence and the longest call off, so only the session keeper can end the call.</summary>
    private static VoiceSettings NoOtherWatch(VoiceSettings s) => s with { RtpTimeout = TimeSpan.Zero, MaxCallDuration = TimeSpan.Zero };

    private static async Task<int> OptionsAsync(VoiceTestbed bed, CallIds call, string tag, int cseq)
    {
        await bed.SendInDialogAsync(SipMethods.Options, call, tag, cseq);
        return (await bed.FinalResponseAsync(call, SipMethods.Options)).StatusCode;
    }
}
