using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Auth;

public class FailedAuthRateLimiterTests
{
    private static readonly IPAddress Office = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void Buckets_are_per_address_and_user()
    {
        var time = new ManualTimeProvider();
        var limiter = new FailedAuthRateLimiter(time, burst: 2, TimeSpan.FromSeconds(10));
        limiter.RecordFailure(Office, "alice");
        limiter.RecordFailure(Office, "alice");
        Assert.True(limiter.IsBlocked(Office, "alice"));
        Assert.False(limiter.IsBlocked(Office, "bob"));
        Assert.False(limiter.IsBlocked(Elsewhere, "alice"));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(limiter.IsBlocked(Office, "alice"));
    }

    [Fact]
    public void Spraying_many_names_from_one_address_shares_one_bucket_and_keeps_the_guessed_accounts_locked()
    {
        var time = new ManualTimeProvider();
        var limiter = new FailedAuthRateLimiter(time, burst: 2, TimeSpan.FromSeconds(10), maxNamesPerAddress: 4);
        limiter.RecordFailure(Office, "alice");
        limiter.RecordFailure(Office, "alice");
        for (var i = 0; i < 100; i++) limiter.RecordFailure(Office, "user" + i);
        // Names beyond the cap are limited together: spraying is limited as one account...
        Assert.True(limiter.IsBlocked(Office, "user99"));
        Assert.True(limiter.IsBlocked(Office, "user50"));
        // ...and cannot flush the bucket of the account first guessed.
        Assert.True(limiter.IsBlocked(Office, "alice"));
        Assert.False(limiter.IsBlocked(Elsewhere, "user99"));
    }

    [Fact]
    public void Refilled_buckets_make_room_for_new_names()
    {
        var time = new ManualTimeProvider();
        var limiter = new FailedAuthRateLimiter(time, burst: 2, TimeSpan.FromSeconds(10), maxNamesPerAddress: 2);
        limiter.RecordFailure(Office, "a");
        limiter.RecordFailure(Office, "b");
        time.Advance(TimeSpan.FromSeconds(10));
        // a and b are full again, so carol gets a bucket of her own instead of the shared one.
        limiter.RecordFailure(Office, "carol");
        limiter.RecordFailure(Office, "carol");
        Assert.True(limiter.IsBlocked(Office, "carol"));
        Assert.False(limiter.IsBlocked(Office, "dave"));
    }
}
