using Ccgw.Testing;

namespace Ccgw.Configuration.Tests;

/// <summary>
/// packaging/ccgw.json, which the .deb and the container install (issue 16, production defaults): refused until the
/// admin sets the domains, and then a loopback-only gateway with no demo account, token or anonymous login.
/// </summary>
public sealed class ProductionTemplateTests
{
    private static string TemplatePath => Path.Combine(RepoPaths.Root, "packaging", "ccgw.json");

    [Fact]
    public void Shipped_template_is_refused_naming_the_domains_to_set()
    {
        var loaded = GatewayConfiguration.Load(TemplatePath, new Dictionary<string, string>());

        Assert.False(loaded.IsValid);
        Assert.Equal(["Site:SipDomain", "Site:XmppDomain"], loaded.Problems.Errors.Select(p => p.Key).Order());
        Assert.All(loaded.Problems.Errors, p => Assert.Contains("not set", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Once_the_domains_are_set_it_is_a_loopback_gateway_without_demo_accounts_token_or_guests()
    {
        var loaded = GatewayConfiguration.Load(TemplatePath, new Dictionary<string, string>
        {
            ["CCGW__Site__SipDomain"] = "example.com",
            ["CCGW__Site__XmppDomain"] = "example.com",
        });

        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var o = loaded.Options;
        Assert.Empty(o.Agents);
        Assert.Empty(o.Supervisors);
        Assert.Empty(o.Trunks);
        Assert.True(string.IsNullOrEmpty(o.Admin.Token) && string.IsNullOrEmpty(o.Admin.TokenSha256));
        Assert.False(o.Xmpp.AllowAnonymous);
        var l = o.Listeners;
        Assert.All(new[] { l.Http.Address, l.SipUdp.Address, l.SipTcp.Address, l.SipTls.Address, l.Xmpp.Address, l.Mqtt.Address, l.Rtp.Address },
            a => Assert.Equal("127.0.0.1", a));
    }

    [Fact]
    public void An_empty_domain_says_not_set_and_a_malformed_one_still_says_not_a_domain()
    {
        var empty = DemoConfig.LoadEdited(d => d["Site"]!["SipDomain"] = "");
        Assert.Contains(empty.Problems.Errors, p => p.Key == "Site:SipDomain" && p.Message.StartsWith("not set", StringComparison.Ordinal));

        var spaced = DemoConfig.LoadEdited(d => d["Site"]!["XmppDomain"] = "two words");
        Assert.Contains(spaced.Problems.Errors, p => p.Key == "Site:XmppDomain" && p.Message.Contains("is not a domain", StringComparison.Ordinal));
    }
}
