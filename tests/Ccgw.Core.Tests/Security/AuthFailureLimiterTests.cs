using System.Net;
using Ccgw.Core.Security;
using Ccgw.Testing;

namespace Ccgw.Core.Tests.Security;

/// <summary>The per-address login limiter the admin API, XMPP and MQTT listeners each keep an instance of.</summary>
public sealed class AuthFailureLimiterTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("198.51.100.1");

    [Fact]
    public void An_address_is_refused_after_too_many_failures_in_the_window_and_told_how_long_to_wait()
    {
        var time = new ManualTimeProvider();
        var limiter = new AuthFailureLimiter(time);
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
        {
            Assert.True(limiter.IsAllowed(Guesser, out _));
            limiter.RecordFailure(Guesser);
        }
        time.Advance(TimeSpan.FromSeconds(20));

        Assert.False(limiter.IsAllowed(Guesser, out var retryAfter));
        Assert.Equal(AuthFailureLimiter.Window - TimeSpan.FromSeconds(20), retryAfter);
        Assert.True(limiter.IsAllowed(IPAddress.Parse("198.51.100.2"), out _));

        time.Advance(retryAfter);
        Assert.True(limiter.IsAllowed(Guesser, out _));
    }

    [Fact]
    public void Failures_older_than_the_window_start_the_count_again_and_an_unknown_address_is_never_limited()
    {
        var time = new ManualTimeProvider();
        var limiter = new AuthFailureLimiter(time);
        for (var i = 0; i < AuthFailureLimiter.MaxFailures - 1; i++) limiter.RecordFailure(Guesser);
        time.Advance(AuthFailureLimiter.Window);
        limiter.RecordFailure(Guesser);
        Assert.True(limiter.IsAllowed(Guesser, out _));

        for (var i = 0; i < 2 * AuthFailureLimiter.MaxFailures; i++) limiter.RecordFailure(null);
        Assert.True(limiter.IsAllowed(null, out _));
    }

    [Fact]
    public void Failures_for_one_login_name_hold_back_only_that_name_from_that_address()
    {
        var time = new ManualTimeProvider();
        var limiter = new AuthFailureLimiter(time);
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++) limiter.RecordFailure(Guesser, "alice");

        Assert.False(limiter.IsAllowed(Guesser, "alice", out var retryAfter));
        Assert.Equal(AuthFailureLimiter.Window, retryAfter);
        Assert.True(limiter.IsAllowed(Guesser, "bob", out _));
        Assert.True(limiter.IsAllowed(Guesser, out _)); // the address as a whole (tokens) is a count of its own
        Assert.True(limiter.IsAllowed(IPAddress.Parse("198.51.100.2"), "alice", out _));
    }
}
