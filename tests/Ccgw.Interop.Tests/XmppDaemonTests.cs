using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The daemon's built-in XMPP server driven from outside: Debian's slixmpp (python3-slixmpp, /usr/bin/python3) logs in
/// with STARTTLS and SCRAM as the demo agents, the demo customer and an ANONYMOUS guest; hand-written hostile streams
/// (DOCTYPE and entity expansion, a 2 MB stanza, a client trickling one byte a second, PLAIN before TLS) are refused
/// while another client's messages keep flowing. Scripts/xmpp_client.py holds the client side.
/// </summary>
public sealed class XmppDaemonTests : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private DaemonUnderTest _daemon = null!;

    private static string Script => Path.Combine(RepoPaths.Root, "tests", "Ccgw.Interop.Tests", "Scripts", "xmpp_client.py");

    private static bool SlixmppInstalled => File.Exists(Python) && File.Exists("/usr/lib/python3/dist-packages/slixmpp/__init__.py");

    public async Task InitializeAsync()
    {
        if (SlixmppInstalled)
            _daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW__Xmpp__StanzaTimeoutSeconds"] = "3" });
    }

    public async Task DisposeAsync()
    {
        if (_daemon is null) return;
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    private async Task<JsonElement> RunAsync(params string[] arguments)
    {
        await using var p = await ExternalProcess.RunAsync(Python, [Script, arguments[0], $"{_daemon.Listeners.Xmpp}", .. arguments[1..]], TimeSpan.FromSeconds(100));
        var line = p.StandardOutput.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(p.ExitCode == 0 && line is not null, $"xmpp_client.py {string.Join(' ', arguments)} failed:\n{p.StandardOutput}\n{p.StandardError}\n{_daemon.Process.StandardOutput}");
        return JsonDocument.Parse(line!).RootElement.Clone();
    }

    [SkippableFact]
    public async Task Alice_and_bob_log_in_with_starttls_and_scram_and_use_roster_presence_messages_ping_disco_version()
    {
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var r = await RunAsync("session");

        Assert.Equal("alice@localhost/desk", r.GetProperty("aliceJid").GetString());
        Assert.Equal("bob@localhost/phone", r.GetProperty("bobJid").GetString());
        // Agents and supervisors see each other with mutual subscriptions.
        Assert.Equal(["bob@localhost", "sup@localhost"], r.GetProperty("aliceRoster").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("both", r.GetProperty("aliceRosterBob").GetString());
        Assert.True(r.GetProperty("bobSawAlice").GetBoolean(), "bob received alice's presence");
        var received = r.GetProperty("bobReceived").EnumerateArray().Select(m => (m[0].GetString(), m[1].GetString())).ToList();
        Assert.Contains(("alice@localhost/desk", "Hello <bob> & friends \u00e9"), received);
        Assert.Contains(("alice@localhost/desk", "to the phone"), received);
        Assert.Contains("urn:xmpp:ping", r.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("jabber:iq:version", r.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ccgw", r.GetProperty("version").GetString());
        Assert.Equal("service-unavailable", r.GetProperty("unknown").GetString());
    }

    [SkippableFact]
    public async Task A_guest_logs_in_anonymously_and_the_demo_customer_with_its_password()
    {
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var guest = await RunAsync("guest");
        Assert.Matches("^guest-[0-9a-f]+@localhost/.+$", guest.GetProperty("jid").GetString());

        var carol = await RunAsync("customer", "carol", "demo-carol");
        Assert.True(carol.GetProperty("loggedIn").GetBoolean());
        var wrong = await RunAsync("customer", "carol", "not-her-password");
        Assert.False(wrong.GetProperty("loggedIn").GetBoolean());
    }

    [SkippableFact]
    public async Task A_guest_cannot_message_alice_directly_but_reaches_the_queue_address()
    {
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var r = await RunAsync("stranger");

        // Issue 16: a guest talks to the centre's addresses only; alice never sees its messages.
        Assert.Empty(r.GetProperty("aliceReceived").EnumerateArray());
        var errors = r.GetProperty("guestErrors").EnumerateArray().Select(e => (e[0].GetString(), e[1].GetString())).ToList();
        Assert.Contains(("alice@localhost", "service-unavailable"), errors);
        Assert.Contains(("alice@localhost/desk", "service-unavailable"), errors);
        Assert.Equal("service-unavailable", r.GetProperty("iq").GetString());
        Assert.True(r.GetProperty("fromSupport").GetInt32() > 0, "the queue address answered the guest");
    }

    [SkippableFact]
    public async Task Plain_before_tls_is_refused_and_only_starttls_is_offered()
    {
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var r = await RunAsync("raw", "plain-no-tls");
        Assert.Contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>", r.GetProperty("features").GetString());
        Assert.DoesNotContain("mechanism", r.GetProperty("features").GetString());
        Assert.Contains("<encryption-required/>", r.GetProperty("answer").GetString());
    }

    [SkippableFact]
    public async Task Hostile_streams_are_cut_off_while_other_clients_messages_still_flow()
    {
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var slow = RunAsync("raw", "slow");
        var doctype = await RunAsync("raw", "doctype");
        var entity = await RunAsync("raw", "entity");
        var big = await RunAsync("raw", "big");
        var session = await RunAsync("session");
        var trickle = await slow;

        Assert.Contains("<restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", doctype.GetProperty("answer").GetString());
        Assert.True(doctype.GetProperty("closed").GetBoolean());
        Assert.Contains("<restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", entity.GetProperty("answer").GetString());
        Assert.Contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", big.GetProperty("answer").GetString());
        Assert.True(big.GetProperty("closed").GetBoolean());
        Assert.Contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", trickle.GetProperty("answer").GetString());
        Assert.True(trickle.GetProperty("closed").GetBoolean());
        Assert.True(trickle.GetProperty("bytesSent").GetInt32() < 60, "the trickling client was cut off after the stanza timeout, not at the end of its stanza");
        Assert.Equal(2, session.GetProperty("bobReceived").GetArrayLength());
    }
}
