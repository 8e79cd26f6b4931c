using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Auth;

public class SipDigestClientTests
{
    private static SipRequest Register()
    {
        var r = new SipRequest("REGISTER", SipUri.Parse("sip:localhost"));
        r.Via.Add(new SipVia("UDP", "127.0.0.1", 5099, "z9hG4bKclient"));
        r.To = SipNameAddress.Parse("<sip:alice@localhost>");
        r.From = SipNameAddress.Parse("<sip:alice@localhost>;tag=x");
        r.CallId = "client-1";
        r.CSeq = new SipCSeq(1, "REGISTER");
        return r;
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    public async Task Our_answer_to_a_challenge_satisfies_the_authenticator_and_a_wrong_password_does_not(DigestAlgorithm algorithm)
    {
        var auth = new SipDigestAuthenticator(new SipDigestOptions { Algorithms = [algorithm] },
            new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice")]), new ManualTimeProvider());
        var challenge = new SipResponse(401, "Unauthorized");
        auth.AddChallenges(challenge, stale: false);
        var header = DigestHeader.Parse(challenge.Headers.GetAll(SipHeaderNames.WwwAuthenticate).Single());

        var good = Register();
        good.Headers.Add(SipHeaderNames.Authorization, SipDigestClient.Answer(header, "REGISTER", "sip:localhost", "alice", "demo-alice", "c1", 1)!);
        Assert.Equal(new DigestResult(DigestOutcome.Authenticated, "alice"), await auth.AuthenticateAsync(good, IPAddress.Loopback, SipHeaderNames.Authorization, default));

        var bad = Register();
        bad.Headers.Add(SipHeaderNames.Authorization, SipDigestClient.Answer(header, "REGISTER", "sip:localhost", "alice", "nope", "c1", 1)!);
        Assert.Equal(DigestOutcome.Forbidden, (await auth.AuthenticateAsync(bad, IPAddress.Loopback, SipHeaderNames.Authorization, default)).Outcome);
    }

    [Fact]
    public void Rfc_2617_example_without_qop_choice_matches_the_published_response()
    {
        // RFC 2617 §3.5 example, qop=auth, MD5: response 6629fae49393a05397450978507c4ef1.
        var challenge = DigestHeader.Parse("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
        var answer = DigestHeader.Parse(SipDigestClient.Answer(challenge, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1)!);
        Assert.Equal("6629fae49393a05397450978507c4ef1", answer["response"]);
        Assert.Equal("00000001", answer["nc"]);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", answer["opaque"]);
    }

    [Fact]
    public void A_basic_challenge_or_an_unknown_algorithm_gets_no_answer()
    {
        Assert.Null(SipDigestClient.Answer(DigestHeader.Parse("Basic realm=\"x\""), "REGISTER", "sip:x", "u", "p", "c", 1));
        Assert.Null(SipDigestClient.Answer(DigestHeader.Parse("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256"), "REGISTER", "sip:x", "u", "p", "c", 1));
    }
}
