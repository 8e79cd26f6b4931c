using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Auth;

public class RegistrarTests
{
    private static readonly SipEndPoint Source = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5099));

    private sealed class Kit
    {
        public ManualTimeProvider Time { get; } = new();
        public InMemoryRegistrationStore Store { get; } = new();
        public SipDigestAuthenticator Auth { get; }
        public SipRegistrar Registrar { get; }
        private uint _cseq;

        public Kit(SipDigestOptions? digest = null, string? domain = null)
        {
            var creds = new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice"), SipCredentials.FromPassword("bob", "localhost", "demo-bob")]);
            Auth = new SipDigestAuthenticator(digest ?? new SipDigestOptions(), creds, Time);
            Registrar = new SipRegistrar(new SipRegistrarOptions { Domain = domain }, Store, Auth, Time);
        }

        public SipRequest Register(string user = "alice", string? contact = "<sip:alice@127.0.0.1:5099>", uint? expires = null, string callId = "reg-1", string toHost = "localhost")
        {
            var r = new SipRequest("REGISTER", SipUri.Parse("sip:localhost"));
            r.Via.Add(new SipVia("UDP", "127.0.0.1", 5099, "z9hG4bK" + Guid.NewGuid().ToString("N")));
            r.To = SipNameAddress.Parse($"<sip:{user}@{toHost}>");
            r.From = SipNameAddress.Parse($"<sip:{user}@{toHost}>;tag=x");
            r.CallId = callId;
            r.CSeq = new SipCSeq(++_cseq, "REGISTER");
            if (contact == "*") r.ContactWildcard = true;
            else if (contact is not null) r.Contact.Add(SipNameAddress.Parse(contact));
            r.Expires = expires;
            return r;
        }

        public ValueTask<SipResponse> Send(SipRequest r) => Registrar.HandleAsync(r, Source, "tag1", CancellationToken.None);

        /// <summary>Answers the challenge in <paramref name="challenge"/> the way a UA does (RFC 7616 §3.4).</summary>
        public static void Answer(SipRequest r, SipResponse challenge, string user, string password, string algorithm = "MD5")
        {
            var header = challenge.Headers.GetAll(SipHeaderNames.WwwAuthenticate).Select(DigestHeader.Parse).First(h => h["algorithm"] == algorithm);
            var alg = algorithm == "MD5" ? DigestAlgorithm.Md5 : DigestAlgorithm.Sha256;
            var ha1 = DigestHash.Hex(alg, $"{user}:{header["realm"]}:{password}");
            var ha2 = DigestHash.Hex(alg, $"REGISTER:sip:localhost");
            var response = DigestHash.Hex(alg, $"{ha1}:{header["nonce"]}:00000001:abc:auth:{ha2}");
            r.Headers.RemoveAll(SipHeaderNames.Authorization);
            r.Headers.Add(SipHeaderNames.Authorization,
                $"Digest username=\"{user}\", realm=\"{header["realm"]}\", nonce=\"{header["nonce"]}\", uri=\"sip:localhost\", response=\"{response}\", algorithm={algorithm}, qop=auth, nc=00000001, cnonce=\"abc\"");
        }
    }

    [Theory]
    [InlineData("MD5")]
    [InlineData("SHA-256")]
    public async Task Register_is_challenged_then_accepted_with_either_algorithm(string algorithm)
    {
        var kit = new Kit();
        var first = await kit.Send(kit.Register());
        Assert.Equal(401, first.StatusCode);
        Assert.Equal(["MD5", "SHA-256"], first.Headers.GetAll(SipHeaderNames.WwwAuthenticate).Select(v => DigestHeader.Parse(v)["algorithm"]));
        var second = kit.Register();
        Kit.Answer(second, first, "alice", "demo-alice", algorithm);
        var ok = await kit.Send(second);
        Assert.Equal(200, ok.StatusCode);
        var binding = Assert.Single(await kit.Store.GetBindingsAsync("sip:alice@localhost", default));
        Assert.Equal("sip:alice@127.0.0.1:5099", binding.ContactUri);
        Assert.Equal("3600", Assert.Single(ok.Contact).Parameters.Get("expires"));
    }

    [Fact]
    public async Task A_phone_registering_with_an_address_for_host_is_found_under_the_domain()
    {
        var kit = new Kit(domain: "LocalHost");
        var first = await kit.Send(kit.Register(toHost: "127.0.0.1"));
        var second = kit.Register(toHost: "127.0.0.1");
        Kit.Answer(second, first, "alice", "demo-alice");
        Assert.Equal(200, (await kit.Send(second)).StatusCode);

        Assert.Single(await kit.Store.GetBindingsAsync("sip:alice@localhost", default));
        Assert.Empty(await kit.Store.GetBindingsAsync("sip:alice@127.0.0.1", default));
        var contact = Assert.Single(await kit.Registrar.GetContactsAsync("alice", default));
        Assert.Equal("sip:alice@127.0.0.1:5099", contact.ContactUri);
        kit.Time.Advance(TimeSpan.FromSeconds(3601));
        Assert.Empty(await kit.Registrar.GetContactsAsync("alice", default));
    }

    [Fact]
    public async Task Unknown_and_known_users_get_identical_challenges_and_both_get_403_for_bad_answers()
    {
        var kit = new Kit();
        var known = await kit.Send(kit.Register("alice"));
        var unknown = await kit.Send(kit.Register("mallory"));
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        string Shape(SipResponse r) => string.Join("|", r.Headers.GetAll(SipHeaderNames.WwwAuthenticate).Select(v =>
        {
            var h = DigestHeader.Parse(v);
            return $"{h["realm"]},{h["algorithm"]},{h["qop"]},{h["nonce"]!.Length}";
        }));
        Assert.Equal(Shape(known), Shape(unknown));

        var wrongKnown = kit.Register("alice");
        Kit.Answer(wrongKnown, known, "alice", "guess");
        var wrongUnknown = kit.Register("mallory");
        Kit.Answer(wrongUnknown, unknown, "mallory", "guess");
        Assert.Equal(403, (await kit.Send(wrongKnown)).StatusCode);
        Assert.Equal(403, (await kit.Send(wrongUnknown)).StatusCode);
    }

    [Fact]
    public async Task Expired_nonce_with_right_password_gets_stale_true()
    {
        var kit = new Kit();
        var challenge = await kit.Send(kit.Register());
        kit.Time.Advance(TimeSpan.FromMinutes(6));
        var late = kit.Register();
        Kit.Answer(late, challenge, "alice", "demo-alice");
        var r = await kit.Send(late);
        Assert.Equal(401, r.StatusCode);
        Assert.All(r.Headers.GetAll(SipHeaderNames.WwwAuthenticate), v => Assert.Equal("true", DigestHeader.Parse(v)["stale"]));
    }

    [Fact]
    public async Task Forged_nonce_is_rechallenged_not_accepted()
    {
        var kit = new Kit();
        var challenge = await kit.Send(kit.Register());
        var other = new Kit();
        var foreign = await other.Send(other.Register());
        var r = kit.Register();
        Kit.Answer(r, foreign, "alice", "demo-alice");
        Assert.Equal(401, (await kit.Send(r)).StatusCode);
        Assert.NotNull(challenge);
    }

    [Fact]
    public async Task Repeated_failures_from_one_address_are_rate_limited_and_recover_with_time()
    {
        var kit = new Kit(new SipDigestOptions { FailureBurst = 3, FailureRefillEvery = TimeSpan.FromSeconds(10) });
        var challenge = await kit.Send(kit.Register());
        for (var i = 0; i < 3; i++)
        {
            var bad = kit.Register();
            Kit.Answer(bad, challenge, "alice", "wrong" + i);
            Assert.Equal(403, (await kit.Send(bad)).StatusCode);
        }
        var good = kit.Register();
        Kit.Answer(good, challenge, "alice", "demo-alice");
        Assert.Equal(403, (await kit.Send(good)).StatusCode);
        kit.Time.Advance(TimeSpan.FromSeconds(10));
        var again = kit.Register();
        Kit.Answer(again, challenge, "alice", "demo-alice");
        Assert.Equal(200, (await kit.Send(again)).StatusCode);
    }

    [Fact]
    public async Task Failures_for_one_user_do_not_lock_out_another_user_from_the_same_address()
    {
        var kit = new Kit(new SipDigestOptions { FailureBurst = 3, FailureRefillEvery = TimeSpan.FromSeconds(10) });
        var challenge = await kit.Send(kit.Register());
        for (var i = 0; i < 5; i++)
        {
            var bad = kit.Register();
            Kit.Answer(bad, challenge, "alice", "wrong" + i);
            Assert.Equal(403, (await kit.Send(bad)).StatusCode);
        }
        var bob = kit.Register(user: "bob", contact: "<sip:bob@127.0.0.1:5099>", callId: "reg-bob");
        Kit.Answer(bob, challenge, "bob", "demo-bob");
        Assert.Equal(200, (await kit.Send(bob)).StatusCode);
        // The guessed account stays locked from that address, right password or not.
        var alice = kit.Register();
        Kit.Answer(alice, challenge, "alice", "demo-alice");
        Assert.Equal(403, (await kit.Send(alice)).StatusCode);
    }

    private static async Task<SipResponse> Authed(Kit kit, SipRequest r)
    {
        var probe = kit.Register();
        var challenge = await kit.Send(probe);
        Kit.Answer(r, challenge, "alice", "demo-alice");
        return await kit.Send(r);
    }

    [Fact]
    public async Task Several_contacts_refresh_min_expires_and_star_removal()
    {
        var kit = new Kit();
        var two = kit.Register();
        two.Contact.Add(SipNameAddress.Parse("<sip:alice@10.0.0.2;transport=tcp>;expires=120"));
        Assert.Equal(200, (await Authed(kit, two)).StatusCode);
        Assert.Equal(2, (await kit.Store.GetBindingsAsync("sip:alice@localhost", default)).Count);

        var brief = kit.Register(expires: 10);
        var tooBrief = await Authed(kit, brief);
        Assert.Equal(423, tooBrief.StatusCode);
        Assert.Equal("60", tooBrief.Headers.Get(SipHeaderNames.MinExpires));

        var removeOne = kit.Register(contact: "<sip:alice@10.0.0.2;transport=tcp>;expires=0");
        var afterRemove = await Authed(kit, removeOne);
        Assert.Equal(200, afterRemove.StatusCode);
        Assert.Single(afterRemove.Contact);

        var star = kit.Register(contact: "*", expires: 0);
        Assert.Equal(200, (await Authed(kit, star)).StatusCode);
        Assert.Empty(await kit.Store.GetBindingsAsync("sip:alice@localhost", default));

        var badStar = kit.Register(contact: "*", expires: 60);
        Assert.Equal(400, (await Authed(kit, badStar)).StatusCode);
    }

    [Fact]
    public async Task Bindings_expire_with_the_clock()
    {
        var kit = new Kit();
        Assert.Equal(200, (await Authed(kit, kit.Register(expires: 60))).StatusCode);
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        var query = await Authed(kit, kit.Register(contact: null));
        Assert.Equal(200, query.StatusCode);
        Assert.Empty(query.Contact);
    }

    [Fact]
    public async Task Out_of_order_cseq_on_the_same_call_id_is_refused()
    {
        var kit = new Kit();
        var later = kit.Register();
        var earlier = kit.Register();
        earlier.CSeq = new SipCSeq(1, "REGISTER");
        later.CSeq = new SipCSeq(50, "REGISTER");
        Assert.Equal(200, (await Authed(kit, later)).StatusCode);
        Assert.Equal(500, (await Authed(kit, earlier)).StatusCode);
    }

    [Fact]
    public async Task A_user_cannot_register_someone_elses_aor()
    {
        var kit = new Kit();
        var r = kit.Register();
        r.To = SipNameAddress.Parse("<sip:bob@localhost>");
        var challenge = await kit.Send(kit.Register());
        Kit.Answer(r, challenge, "alice", "demo-alice");
        Assert.Equal(403, (await kit.Send(r)).StatusCode);
    }
}
