using System.Net;
using System.Text;
using System.Xml.Linq;
using Ccgw.Core.Security;
using Ccgw.Testing;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Streams;

namespace Ccgw.Xmpp.Tests.Streams;

/// <summary>
/// Failed logins counted per address and account (a guesser behind an office's one address does not lock out its
/// colleagues), and guest (ANONYMOUS) logins limited per address, through the daemon's gate.
/// </summary>
public sealed class LoginLimitsTests
{
    private static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    private static readonly XNamespace Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    private static readonly IPAddress Office = IPAddress.Parse("203.0.113.10");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("198.51.100.20");

    private readonly ManualTimeProvider _time = new();
    private readonly LoginLimiterGate _gate;

    public LoginLimitsTests() => _gate = new LoginLimiterGate(new AuthFailureLimiter(_time), new AuthFailureLimiter(_time));

    private async Task<string> LoginAsync(string mechanism, string text, IPAddress from)
    {
        var n = new C2sNegotiator(new C2sSettings { Domain = "localhost" },
            new ScramTests.Accounts(ScramTests.Account("alice", "demo-alice"), ScramTests.Account("bob", "demo-bob")), _gate, from, _time);
        n.OnHeader(Header());
        n.TakeOutput();
        await n.OnElementAsync(new XElement(Tls + "starttls"), default);
        n.TakeOutput();
        n.TlsEstablished();
        n.OnHeader(Header());
        n.TakeOutput();
        await n.OnElementAsync(new XElement(Sasl + "auth", new XAttribute("mechanism", mechanism),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(text))), default);
        var output = n.TakeOutput();
        return output.Contains("<success", StringComparison.Ordinal) ? "success"
            : output.Contains("<temporary-auth-failure/>", StringComparison.Ordinal) ? "temporary-auth-failure"
            : output.Contains("<not-authorized/>", StringComparison.Ordinal) ? "not-authorized"
            : output;
    }

    private static XElement Header() =>
        new(XmppNamespaces.Streams + "stream", new XAttribute("xmlns", "jabber:client"), new XAttribute("to", "localhost"), new XAttribute("version", "1.0"));

    [Fact]
    public async Task A_guesser_locks_out_only_the_account_it_guesses_and_a_colleague_at_the_same_address_still_logs_in()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.Equal("not-authorized", await LoginAsync("PLAIN", "\0alice\0guess" + i, Office));

        // The guessed account from that address: the same temporary failure whether the password is right or not.
        Assert.Equal("temporary-auth-failure", await LoginAsync("PLAIN", "\0alice\0demo-alice", Office));
        Assert.Equal("temporary-auth-failure", await LoginAsync("PLAIN", "\0alice\0guess", Office));
        // A colleague behind the same address, and alice from elsewhere, are not locked out.
        Assert.Equal("success", await LoginAsync("PLAIN", "\0bob\0demo-bob", Office));
        Assert.Equal("success", await LoginAsync("PLAIN", "\0alice\0demo-alice", Elsewhere));

        _time.Advance(AuthFailureLimiter.Window);
        Assert.Equal("success", await LoginAsync("PLAIN", "\0alice\0demo-alice", Office));
    }

    [Fact]
    public async Task Made_up_names_share_one_count_so_spraying_them_is_limited_like_one_account()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.Equal("not-authorized", await LoginAsync("PLAIN", $"\0nobody{i}\0guess", Office));
        Assert.Equal("temporary-auth-failure", await LoginAsync("PLAIN", "\0someone-else\0guess", Office));
        Assert.Equal("success", await LoginAsync("PLAIN", "\0bob\0demo-bob", Office));
    }

    [Fact]
    public async Task Guest_logins_are_limited_per_address()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.Equal("success", await LoginAsync("ANONYMOUS", "", Office));
        Assert.Equal("temporary-auth-failure", await LoginAsync("ANONYMOUS", "", Office));
        Assert.Equal("success", await LoginAsync("ANONYMOUS", "", Elsewhere));
        // Staff at the same address are not guests and are not held back.
        Assert.Equal("success", await LoginAsync("PLAIN", "\0bob\0demo-bob", Office));

        _time.Advance(AuthFailureLimiter.Window);
        Assert.Equal("success", await LoginAsync("ANONYMOUS", "", Office));
    }
}
