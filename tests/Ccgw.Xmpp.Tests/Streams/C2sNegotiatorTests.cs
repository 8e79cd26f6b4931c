using System.Net;
using System.Text;
using System.Xml.Linq;
using Ccgw.Testing;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.Tests.Streams;

public sealed class C2sNegotiatorTests
{
    private static readonly XNamespace Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    private static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    private static readonly XNamespace Bind = "urn:ietf:params:xml:ns:xmpp-bind";

    private readonly ManualTimeProvider _time = new();
    private readonly Gate _gate = new();

    internal sealed class Gate : IAuthFailureGate
    {
        public int Failures { get; private set; }

        public bool IsAllowed(IPAddress? address) => Failures < 2;

        public void RecordFailure(IPAddress? address) => Failures++;
    }

    private C2sNegotiator New(C2sSettings? settings = null) =>
        new(settings ?? new C2sSettings { Domain = "localhost" }, new ScramTests.Accounts(ScramTests.Account("alice", "demo-alice")), _gate,
            IPAddress.Loopback, _time);

    private static XElement Header(string to = "localhost", string ns = "jabber:client", string? version = "1.0")
    {
        var h = new XElement(XmppNamespaces.Streams + "stream", new XAttribute("xmlns", ns), new XAttribute("to", to));
        if (version is not null) h.SetAttributeValue("version", version);
        return h;
    }

    private static XElement Auth(string mechanism, string text) =>
        new(Sasl + "auth", new XAttribute("mechanism", mechanism), Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Negotiates_starttls_then_sasl_then_bind_as_rfc6120_orders_it()
    {
        var n = New();
        Assert.Equal(C2sEffect.None, n.OnHeader(Header()));
        var features = n.TakeOutput();
        Assert.Contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>", features);
        Assert.DoesNotContain("<mechanisms", features);
        Assert.Equal(C2sState.AwaitingStartTls, n.State);

        // §5.3.1: SASL before the required STARTTLS is refused; PLAIN is not even offered yet.
        Assert.Equal(C2sEffect.None, await n.OnElementAsync(Auth("PLAIN", "\0alice\0demo-alice"), default));
        Assert.Contains("<encryption-required/>", n.TakeOutput());

        Assert.Equal(C2sEffect.StartTls, await n.OnElementAsync(new XElement(Tls + "starttls"), default));
        Assert.Contains("<proceed", n.TakeOutput());
        Assert.Equal(C2sEffect.RestartParser, n.TlsEstablished());
        Assert.True(n.IsSecure);

        n.OnHeader(Header());
        var secureFeatures = n.TakeOutput();
        Assert.Contains("<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism>", secureFeatures);
        Assert.DoesNotContain("starttls", secureFeatures);

        Assert.Equal(C2sEffect.RestartParser, await n.OnElementAsync(Auth("PLAIN", "\0alice\0demo-alice"), default));
        Assert.Contains("<success", n.TakeOutput());
        Assert.Equal("alice", n.Account!.User);

        n.OnHeader(Header());
        Assert.Contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>", n.TakeOutput());
        var bind = new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "set"), new XAttribute("id", "b1"),
            new XElement(Bind + "bind", new XElement(Bind + "resource", "desk")));
        Assert.Equal(C2sEffect.Bind, await n.OnElementAsync(bind, default));
        Assert.Equal(("desk", "b1"), n.PendingBind);
        n.Bound(Jid.Parse("alice@localhost/desk"));
        Assert.Contains("<jid>alice@localhost/desk</jid>", n.TakeOutput());
        Assert.Equal(C2sState.Established, n.State);

        var message = new XElement(XmppNamespaces.Client + "message");
        Assert.Equal(C2sEffect.Deliver, await n.OnElementAsync(message, default));
        Assert.Same(message, n.Delivered);
    }

    [Theory]
    [InlineData("example.org", "jabber:client", "1.0", StreamErrorConditions.HostUnknown)]
    [InlineData("localhost", "jabber:server", "1.0", StreamErrorConditions.InvalidNamespace)]
    [InlineData("localhost", "jabber:client", null, StreamErrorConditions.UnsupportedVersion)]
    public void Bad_headers_get_the_right_stream_error_after_a_response_header(string to, string ns, string? version, string condition)
    {
        var n = New();
        Assert.Equal(C2sEffect.Close, n.OnHeader(Header(to, ns, version)));
        var output = n.TakeOutput();
        Assert.StartsWith("<?xml version='1.0'?><stream:stream", output, StringComparison.Ordinal); // §4.9.1.1
        Assert.Contains($"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", output);
        Assert.EndsWith("</stream:stream>", output, StringComparison.Ordinal);
        Assert.Equal(C2sState.Closed, n.State);
    }

    [Fact]
    public async Task Stanzas_before_authentication_close_the_stream_with_not_authorized()
    {
        var n = New(new C2sSettings { Domain = "localhost", TlsAvailable = false });
        n.OnHeader(Header());
        Assert.DoesNotContain("PLAIN", n.TakeOutput()); // §13.8.3: no PLAIN without TLS
        Assert.Equal(C2sEffect.Close, await n.OnElementAsync(new XElement(XmppNamespaces.Client + "message"), default));
        Assert.Contains("<not-authorized", n.TakeOutput());
    }

    [Fact]
    public async Task Failed_logins_are_limited_per_stream_and_per_source()
    {
        var n = New(new C2sSettings { Domain = "localhost", TlsAvailable = false, MaxAuthFailuresPerStream = 5 });
        n.OnHeader(Header());
        n.TakeOutput();
        for (var i = 0; i < 2; i++)
        {
            await n.OnElementAsync(Auth("SCRAM-SHA-1", "n,,n=alice,r=abc"), default);
            await n.OnElementAsync(new XElement(Sasl + "response", Convert.ToBase64String(Encoding.UTF8.GetBytes("c=biws,r=abc,p=AAAA"))), default);
            Assert.Contains("<not-authorized/>", n.TakeOutput());
        }
        // The gate now refuses this address: even the right password gets temporary-auth-failure.
        await n.OnElementAsync(Auth("SCRAM-SHA-1", "n,,n=alice,r=abc"), default);
        Assert.Contains("<temporary-auth-failure/>", n.TakeOutput());
        Assert.Equal(2, _gate.Failures);
    }

    [Fact]
    public void A_client_trickling_a_stanza_is_cut_off_by_the_stanza_timeout()
    {
        var n = New();
        n.OnHeader(Header());
        n.TakeOutput();
        n.NoteInput(partial: true); // "<message" arrived
        for (var i = 0; i < 29; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            n.NoteInput(partial: true); // one more byte, the stanza still incomplete
            Assert.Equal(C2sEffect.None, n.CheckTimeouts());
        }
        _time.Advance(TimeSpan.FromSeconds(1));
        n.NoteInput(partial: true);
        Assert.Equal(C2sEffect.Close, n.CheckTimeouts());
        Assert.Contains("<policy-violation", n.TakeOutput());
    }

    [Fact]
    public void Whitespace_keepalives_keep_an_idle_stream_open_and_silence_closes_it()
    {
        var n = New(new C2sSettings { Domain = "localhost", IdleTimeout = TimeSpan.FromMinutes(5), NegotiationTimeout = TimeSpan.FromHours(1) });
        n.OnHeader(Header());
        n.TakeOutput();
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(4));
            n.NoteInput(partial: false); // a keepalive: complete, nothing pending
            Assert.Equal(C2sEffect.None, n.CheckTimeouts());
        }
        Assert.Equal(TimeSpan.FromMinutes(5), n.NextDeadline());
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(C2sEffect.Close, n.CheckTimeouts());
        Assert.Contains("<connection-timeout", n.TakeOutput());
    }

    [Fact]
    public void A_stream_that_does_not_finish_negotiating_times_out()
    {
        var n = New();
        n.OnHeader(Header());
        _time.Advance(TimeSpan.FromSeconds(59));
        n.NoteInput(partial: false);
        Assert.Equal(C2sEffect.None, n.CheckTimeouts());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(C2sEffect.Close, n.CheckTimeouts());
        Assert.Contains("<connection-timeout", n.TakeOutput());
    }
}
