using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Dialogs;

/// <summary>RFC 4028 §9, the UAS's choices: interval, refresher, 422; and the §10 moments derived from them.</summary>
public sealed class SessionTimerTests
{
    private static readonly SessionTimerPolicy Policy = new(MaxIntervalSeconds: 1800, MinIntervalSeconds: 90);

    private static SipRequest InviteWith(string headers) =>
        Request(Invite.Replace("Contact: <sip:alice@pc33.atlanta.example.com>", "Contact: <sip:alice@pc33.atlanta.example.com>\n" + headers));

    [Fact]
    public void No_Session_Expires_means_no_session_timer()
    {
        var verdict = SessionTimer.Negotiate(InviteWith("Supported: timer"), Policy);
        Assert.False(verdict.Reject);
        Assert.Null(verdict.Agreement);
    }

    [Theory]
    [InlineData("Supported: timer\nSession-Expires: 600", 600, SessionRefresher.Uac)] // supports, no choice made: the UAC
    [InlineData("Supported: timer\nSession-Expires: 600;refresher=uas", 600, SessionRefresher.Uas)]
    [InlineData("Supported: timer\nx: 600 ; refresher=UAC", 600, SessionRefresher.Uac)] // compact form, case
    [InlineData("Session-Expires: 600", 600, SessionRefresher.Uas)] // no Supported: timer, the UAC cannot refresh
    [InlineData("Session-Expires: 600;refresher=uac", 600, SessionRefresher.Uas)] // a proxy's choice the UAC cannot keep
    [InlineData("Supported: timer\nSession-Expires: 7200", 1800, SessionRefresher.Uac)] // lowered to our maximum
    [InlineData("Supported: timer\nMin-SE: 3600\nSession-Expires: 7200", 3600, SessionRefresher.Uac)] // never below the request's Min-SE
    [InlineData("Require: timer\nSession-Expires: 90", 90, SessionRefresher.Uac)]
    public void The_UAS_agrees_an_interval_and_a_refresher(string headers, int interval, SessionRefresher refresher)
    {
        var verdict = SessionTimer.Negotiate(InviteWith(headers), Policy);
        Assert.Equal(new SessionTimerAgreement(interval, refresher), verdict.Agreement);
    }

    [Theory]
    [InlineData("Session-Expires: 89", 90)]
    [InlineData("Supported: timer\nSession-Expires: 300", 600)]
    public void An_interval_below_our_minimum_is_refused_with_our_minimum(string headers, int minSe)
    {
        var policy = minSe == 90 ? Policy : Policy with { MinIntervalSeconds = minSe };
        var verdict = SessionTimer.Negotiate(InviteWith(headers), policy);
        Assert.True(verdict.Reject);
        Assert.Equal(minSe, verdict.TooBriefMinSe);
    }

    [Fact]
    public void A_policy_with_no_maximum_ignores_session_timers_and_garbage_is_ignored()
    {
        Assert.Null(SessionTimer.Negotiate(InviteWith("Session-Expires: 600"), Policy with { MaxIntervalSeconds = 0 }).Agreement);
        Assert.Null(SessionTimer.Negotiate(InviteWith("Session-Expires: soon"), Policy).Agreement);
    }

    [Fact]
    public void The_2xx_carries_the_interval_and_Require_timer_only_when_the_UAC_refreshes()
    {
        var invite = InviteWith("Supported: timer\nSession-Expires: 600");
        var ok = SipResponseFactory.Create(invite, 200, toTag: "t");
        SessionTimer.Decorate(ok, new SessionTimerAgreement(600, SessionRefresher.Uac));
        Assert.Equal("600;refresher=uac", ok.Headers.Get("Session-Expires"));
        Assert.Equal(["timer"], ok.Headers.GetTokens("Require"));
        var ours = SipResponseFactory.Create(invite, 200, toTag: "t");
        SessionTimer.Decorate(ours, new SessionTimerAgreement(600, SessionRefresher.Uas));
        Assert.Empty(ours.Headers.GetTokens("Require"));
    }

    [Theory]
    [InlineData(1800, 900, 1768)] // min(32, 600) = 32
    [InlineData(90, 45, 60)]      // min(32, 30) = 30
    public void Refresh_at_half_and_give_up_at_the_interval_less_min_32_or_a_third(int interval, int refreshAt, int expiresAt)
    {
        var agreement = new SessionTimerAgreement(interval, SessionRefresher.Uac);
        Assert.Equal(TimeSpan.FromSeconds(refreshAt), agreement.RefreshAfter);
        Assert.Equal(TimeSpan.FromSeconds(expiresAt), agreement.ExpiresAfter);
    }
}
