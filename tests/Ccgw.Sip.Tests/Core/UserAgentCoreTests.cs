using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Core;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Tests.Transactions;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Core;

public class UserAgentCoreTests
{
    private static readonly SipEndPoint Peer = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5099));

    private sealed class Harness
    {
        public ManualTimeProvider Time { get; } = new();
        public RecordingSender Sender { get; } = new();
        public SipInboundPipeline Pipeline { get; }
        public SipUserAgentCore Core { get; }

        public Harness()
        {
            var layer = new SipTransactionLayer(Sender, Time);
            var auth = new SipDigestAuthenticator(new SipDigestOptions(), new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice")]), Time);
            Core = new SipUserAgentCore(new SipRegistrar(new SipRegistrarOptions(), new InMemoryRegistrationStore(), auth, Time), "ccgw-test", NullLogger.Instance, CancellationToken.None);
            layer.User = Core;
            Pipeline = new SipInboundPipeline(Sender, layer, NullLogger.Instance);
        }

        /// <summary>Feeds a datagram like the UDP listener does and returns the final responses sent.</summary>
        public List<SipResponse> Feed(byte[] datagram)
        {
            var before = Sender.Sent.Count;
            try
            {
                Pipeline.OnMessage(SipMessageParser.ParseDatagram(datagram), Peer);
            }
            catch (SipParseException e)
            {
                if (SipMalformedRequestResponder.BuildResponse(datagram, e) is { } bytes)
                    Sender.Send(SipMessageParser.ParseDatagram(bytes), Peer);
            }
            return Sender.Sent.Skip(before).Select(s => s.Message).OfType<SipResponse>().Where(r => r.StatusCode >= 200).ToList();
        }
    }

    [Fact]
    public void Options_gets_200_with_allow_accept_and_supported()
    {
        var h = new Harness();
        var r = Assert.Single(h.Feed(Wire(Invite.Replace("INVITE", "OPTIONS"))));
        Assert.Equal(200, r.StatusCode);
        Assert.Contains("REGISTER", r.Headers.Get("Allow"));
        Assert.Equal("application/sdp", r.Headers.Get("Accept"));
        Assert.NotNull(r.Headers.Get("Supported"));
        Assert.NotNull(r.To!.Tag);
    }

    [Fact]
    public void Require_timer_is_the_one_extension_accepted_and_OPTIONS_says_Supported_timer()
    {
        var h = new Harness();
        var options = Assert.Single(h.Feed(Wire(Invite.Replace("INVITE", "OPTIONS"))));
        Assert.Equal(["timer"], options.Headers.GetTokens("Supported"));

        // Without a host handler an INVITE gets 480; with Require: timer it must still get that, not 420.
        var timer = Assert.Single(h.Feed(Wire(Invite.Replace("Max-Forwards: 70", "Max-Forwards: 70\nRequire: timer\nSession-Expires: 1800"))));
        Assert.Equal(480, timer.StatusCode);
        var other = Assert.Single(h.Feed(Wire(Invite.Replace("z9hG4bK776asdhds", "z9hG4bKother").Replace("Max-Forwards: 70", "Max-Forwards: 70\nRequire: timer, 100rel"))));
        Assert.Equal(420, other.StatusCode);
        Assert.Equal("100rel", other.Headers.Get("Unsupported"));
    }

    [SkippableTheory]
    [InlineData("intmeth.dat", 501)]
    [InlineData("esc02.dat", 501)]
    [InlineData("unkscm.dat", 416)]
    [InlineData("novelsc.dat", 416)]
    [InlineData("zeromf.dat", 200)]
    [InlineData("bext01.dat", 420)]
    [InlineData("invut.dat", 415)]
    [InlineData("sdp01.dat", 406)]
    [InlineData("regaut01.dat", 401)]
    [InlineData("unksm2.dat", 400)]
    [InlineData("cparam01.dat", 401)]
    [InlineData("badinv01.dat", 400)]
    [InlineData("badvers.dat", 505)]
    [InlineData("mismatch01.dat", 400)]
    [InlineData("multi01.dat", 400)]
    [InlineData("insuf.dat", 400)]
    [InlineData("quotbal.dat", 400)]
    [InlineData("wsinv.dat", 480)]
    [InlineData("inv2543.dat", 480)]
    public void Torture_requests_get_the_rfc_answer_from_the_stack(string file, int expected)
    {
        var dir = Ccgw.Testing.Corpus.Require("sip-torture");
        var h = new Harness();
        var responses = h.Feed(File.ReadAllBytes(Path.Combine(dir, file)));
        Assert.Equal(expected, Assert.Single(responses).StatusCode);
    }

    [SkippableTheory]
    [InlineData("bigcode.dat")]
    [InlineData("scalarlg.dat")]
    [InlineData("bcast.dat")]
    public void Torture_responses_that_match_nothing_are_dropped(string file)
    {
        var dir = Ccgw.Testing.Corpus.Require("sip-torture");
        var h = new Harness();
        Assert.Empty(h.Feed(File.ReadAllBytes(Path.Combine(dir, file))));
        Assert.Empty(h.Sender.Sent);
    }

    [Fact]
    public void A_refused_request_is_answered_to_its_source_address_not_to_the_via_sent_by()
    {
        var h = new Harness();
        var invalid = Invite.Replace("pc33.atlanta.example.com;branch", "192.0.2.95;branch").Replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
        Assert.Single(h.Feed(Wire(invalid)));
        var (message, destination) = Assert.Single(h.Sender.Sent);
        Assert.Equal(400, Assert.IsType<SipResponse>(message).StatusCode);
        Assert.Equal(IPAddress.Loopback, destination.Address.Address);
        Assert.Equal("127.0.0.1", message.Via[0].Received);
    }

    [Fact]
    public void Max_forwards_zero_on_a_non_options_request_is_483()
    {
        var h = new Harness();
        var r = Assert.Single(h.Feed(Wire(Invite.Replace("Max-Forwards: 70", "Max-Forwards: 0"))));
        Assert.Equal(483, r.StatusCode);
    }

    [Fact]
    public void Bad_requests_carry_a_warning_with_the_reason()
    {
        var h = new Harness();
        var r = Assert.Single(h.Feed(Wire(Invite.Replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE"))));
        Assert.Equal(400, r.StatusCode);
        Assert.Equal("CSeq method does not match Request-Line", r.ReasonPhrase);
        Assert.Contains("CSeq method does not match", r.Headers.Get("Warning"));
    }

    [Fact]
    public void A_host_handler_receives_invites_and_cancel_yields_487_without_one()
    {
        var h = new Harness();
        SipServerTransaction? taken = null;
        h.Core.RequestHandler = tx => (taken = tx) is not null;
        Assert.Empty(h.Feed(Wire(Invite)));
        Assert.NotNull(taken);
        var cancel = Invite.Replace("INVITE sip", "CANCEL sip").Replace("314159 INVITE", "314159 CANCEL").Replace("Content-Length: 5", "Content-Length: 0").Replace("v=0\n", "");
        var finals = h.Feed(Wire(cancel));
        Assert.Contains(finals, r => r is { StatusCode: 200, CSeq.Method: "CANCEL" });
        Assert.Contains(finals, r => r is { StatusCode: 487, CSeq.Method: "INVITE" });
    }
}
