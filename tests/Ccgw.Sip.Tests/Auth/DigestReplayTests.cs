using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Auth;

/// <summary>
/// Issue 16, digest hardening: a captured Authorization header is worth nothing twice. The nonce count must grow,
/// the <c>uri</c> must be the request's Request-URI, and qop=auth is required (RFC 7616 §3.4, §3.4.6).
/// </summary>
public sealed class DigestReplayTests
{
    private static readonly IPAddress Source = IPAddress.Loopback;
    private readonly ManualTimeProvider _time = new();
    private readonly SipDigestAuthenticator _auth;

    public DigestReplayTests() =>
        _auth = new SipDigestAuthenticator(new SipDigestOptions(),
            new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice")]), _time);

    [Fact]
    public async Task A_replayed_request_is_challenged_again_and_a_growing_nc_on_the_same_nonce_is_accepted()
    {
        var nonce = Nonce();
        var first = Signed(Register(), nonce, nc: 1);
        Assert.Equal(DigestOutcome.Authenticated, (await AuthenticateAsync(first)).Outcome);

        // The same header again (an attacker's replay, byte for byte): no longer good.
        Assert.Equal(DigestOutcome.Challenge, (await AuthenticateAsync(Signed(Register(), nonce, nc: 1))).Outcome);
        // The phone's next request on that nonce counts on (nc 2), then a lower count is refused again.
        Assert.Equal(DigestOutcome.Authenticated, (await AuthenticateAsync(Signed(Register(), nonce, nc: 2))).Outcome);
        Assert.Equal(DigestOutcome.Challenge, (await AuthenticateAsync(Signed(Register(), nonce, nc: 2))).Outcome);
        Assert.Equal(DigestOutcome.Challenge, (await AuthenticateAsync(Signed(Register(), nonce, nc: 1))).Outcome);
        // A fresh nonce starts its own count.
        Assert.Equal(DigestOutcome.Authenticated, (await AuthenticateAsync(Signed(Register(), Nonce(), nc: 1))).Outcome);
    }

    [Fact]
    public async Task A_header_made_for_another_Request_URI_is_refused()
    {
        static SipRequest Invite() => new(SipMethods.Invite, SipUri.Parse("sip:900@localhost"));
        // Right password and nonce, but the uri names the number the client signed for, not the one this INVITE dials.
        Assert.Equal(DigestOutcome.Challenge, (await AuthenticateAsync(Signed(Invite(), Nonce(), nc: 1, uri: "sip:100@localhost"))).Outcome);
        Assert.Equal(DigestOutcome.Authenticated, (await AuthenticateAsync(Signed(Invite(), Nonce(), nc: 1, uri: "sip:900@localhost"))).Outcome);
        // The same resource written with our address for host, as SIPp signs it, is the same request.
        Assert.Equal(DigestOutcome.Authenticated, (await AuthenticateAsync(Signed(Invite(), Nonce(), nc: 1, uri: "sip:900@127.0.0.1:5060"))).Outcome);
    }

    [Fact]
    public async Task An_answer_without_qop_auth_is_refused()
    {
        var nonce = Nonce();
        var ha1 = DigestHash.Hex(DigestAlgorithm.Md5, "alice:localhost:demo-alice");
        var ha2 = DigestHash.Hex(DigestAlgorithm.Md5, "REGISTER:sip:localhost");
        var rfc2069 = DigestHash.Hex(DigestAlgorithm.Md5, $"{ha1}:{nonce}:{ha2}");
        var request = Register();
        request.Headers.Add(SipHeaderNames.Authorization,
            $"Digest username=\"alice\", realm=\"localhost\", nonce=\"{nonce}\", uri=\"sip:localhost\", response=\"{rfc2069}\", algorithm=MD5");
        Assert.Equal(DigestOutcome.Challenge, (await AuthenticateAsync(request)).Outcome);
    }

    [Fact]
    public void Tracked_nonces_are_bounded_and_expired_ones_make_room()
    {
        var counts = new NonceCounts(TimeSpan.FromMinutes(5), capacity: 2);
        var t0 = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        Assert.True(counts.TryAdvance("a", 1, t0, t0));
        Assert.True(counts.TryAdvance("b", 1, t0, t0));
        Assert.False(counts.TryAdvance("c", 1, t0, t0)); // full of live nonces: challenge again rather than not count
        Assert.True(counts.TryAdvance("c", 1, t0.AddMinutes(6), t0.AddMinutes(6))); // a and b expired and were pruned
        Assert.Equal(1, counts.Count);
    }

    private ValueTask<DigestResult> AuthenticateAsync(SipRequest request) =>
        _auth.AuthenticateAsync(request, Source, SipHeaderNames.Authorization, CancellationToken.None);

    private string Nonce() => _auth.NewNonce();

    private static SipRequest Register() => new(SipMethods.Register, SipUri.Parse("sip:localhost"));

    /// <summary>An Authorization header as a phone computes it (RFC 7616 §3.4.1, MD5, qop=auth).</summary>
    private static SipRequest Signed(SipRequest request, string nonce, uint nc, string? uri = null)
    {
        uri ??= request.RequestUri.ToString();
        var count = nc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var ha1 = DigestHash.Hex(DigestAlgorithm.Md5, "alice:localhost:demo-alice");
        var ha2 = DigestHash.Hex(DigestAlgorithm.Md5, $"{request.Method}:{uri}");
        var response = DigestHash.Hex(DigestAlgorithm.Md5, $"{ha1}:{nonce}:{count}:c0ffee:auth:{ha2}");
        request.Headers.Add(SipHeaderNames.Authorization,
            $"Digest username=\"alice\", realm=\"localhost\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc={count}, cnonce=\"c0ffee\"");
        return request;
    }
}
