using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Testing;
using Ccgw.Voice.Trunks;

namespace Ccgw.Voice.Tests;

public sealed class TrunkAdmissionTests
{
    private const string Realm = "localhost";

    private static readonly VoiceTrunk Pbx = Trunk("pbx") with { AllowFrom = ["127.0.0.1", "192.0.2.0/24"] };
    private static readonly VoiceTrunk Provider = Trunk("provider") with { Credentials = new("itsp", "s3cret") };
    private static readonly VoiceTrunk Both = Trunk("both") with { AllowFrom = ["198.51.100.0/28"], Credentials = new("both", "pw") };

    private static VoiceTrunk Trunk(string id) => new(id, new Dictionary<string, string>(), null);

    private static TrunkAdmission Admission(params VoiceTrunk[] trunks) => new(trunks, Realm, new ManualTimeProvider());

    private static SipRequest Invite(string? authorization = null)
    {
        var text = "INVITE sip:100@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKadm\r\nMax-Forwards: 70\r\n" +
            "To: <sip:100@localhost>\r\nFrom: <sip:caller@pbx>;tag=1\r\nCall-ID: adm@pbx\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@192.0.2.9>\r\n" +
            (authorization is null ? "" : "Authorization: " + authorization + "\r\n") + "Content-Length: 0\r\n\r\n";
        return (SipRequest)SipMessageParser.ParseDatagram(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>Gets a challenge from the admission itself and answers it like a provider would (RFC 2617 MD5, qop=auth).</summary>
    private static string Answer(TrunkAdmission admission, string user, string password)
    {
        var challenge = new SipResponse(401, "Unauthorized");
        admission.AddChallenges(challenge, stale: false);
        var nonce = DigestHeader.Parse(challenge.Headers.GetAll(SipHeaderNames.WwwAuthenticate).First())["nonce"]!;
#pragma warning disable CA5351 // The peer's side of RFC 2617 digest, which is MD5 by definition.
        static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(s)));
#pragma warning restore CA5351
        var ha1 = Md5($"{user}:{Realm}:{password}");
        var response = Md5($"{ha1}:{nonce}:00000001:abc:auth:{Md5("INVITE:sip:100@localhost")}");
        return $"Digest username=\"{user}\", realm=\"{Realm}\", nonce=\"{nonce}\", uri=\"sip:100@localhost\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abc\", response=\"{response}\"";
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("192.0.2.200")]
    [InlineData("::ffff:192.0.2.7")]
    public async Task An_address_in_a_trunks_allow_list_is_admitted_as_that_trunk(string source)
    {
        var decision = await Admission(Pbx, Provider).DecideAsync(Invite(), IPAddress.Parse(source), default);
        Assert.Equal(new TrunkAdmissionDecision(TrunkVerdict.Accepted, "pbx"), decision);
    }

    [Fact]
    public async Task An_unknown_address_with_no_digest_trunk_is_refused()
    {
        var decision = await Admission(Pbx).DecideAsync(Invite(), IPAddress.Parse("203.0.113.5"), default);
        Assert.Equal(TrunkVerdict.Refused, decision.Verdict);
    }

    [Fact]
    public async Task An_unknown_address_is_challenged_when_a_digest_trunk_exists_and_admitted_with_its_credentials()
    {
        var admission = Admission(Pbx, Provider);
        var source = IPAddress.Parse("203.0.113.5");
        Assert.Equal(TrunkVerdict.Challenge, (await admission.DecideAsync(Invite(), source, default)).Verdict);
        var decision = await admission.DecideAsync(Invite(Answer(admission, "itsp", "s3cret")), source, default);
        Assert.Equal(new TrunkAdmissionDecision(TrunkVerdict.Accepted, "provider"), decision);
    }

    [Fact]
    public async Task Wrong_trunk_password_is_refused()
    {
        var admission = Admission(Provider);
        var decision = await admission.DecideAsync(Invite(Answer(admission, "itsp", "guess")), IPAddress.Parse("203.0.113.5"), default);
        Assert.Equal(TrunkVerdict.Refused, decision.Verdict);
    }

    [Fact]
    public async Task An_agents_credentials_are_not_trunk_credentials()
    {
        var admission = Admission(Provider);
        var decision = await admission.DecideAsync(Invite(Answer(admission, "alice", "demo-alice")), IPAddress.Parse("203.0.113.5"), default);
        Assert.Equal(TrunkVerdict.Refused, decision.Verdict);
    }

    [Fact]
    public async Task A_trunk_with_address_and_digest_needs_both()
    {
        var admission = Admission(Both);
        var inside = IPAddress.Parse("198.51.100.3");
        Assert.Equal(TrunkVerdict.Challenge, (await admission.DecideAsync(Invite(), inside, default)).Verdict);
        Assert.Equal(new TrunkAdmissionDecision(TrunkVerdict.Accepted, "both"),
            await admission.DecideAsync(Invite(Answer(admission, "both", "pw")), inside, default));
        Assert.Equal(TrunkVerdict.Refused,
            (await admission.DecideAsync(Invite(Answer(admission, "both", "pw")), IPAddress.Parse("198.51.100.99"), default)).Verdict);
    }
}
