using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary><c>Mail:Smtp</c> and <c>Portal</c> (issue 17): checked at start, every error naming its key.</summary>
public sealed class PortalConfigTests
{
    [Fact]
    public void Demo_config_mails_through_the_local_relay_with_portal_defaults()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal("127.0.0.1", loaded.Options.Mail.Smtp.Host);
        Assert.Equal(2525, loaded.Options.Mail.Smtp.Port);
        Assert.Equal("none", loaded.Options.Mail.Smtp.Tls);
        Assert.Equal(15, loaded.Options.Portal.SignInLinkMinutes);
        Assert.DoesNotContain(loaded.Problems.Warnings, w => w.Key.StartsWith("Mail", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Port", 0, "Mail:Smtp:Port")]
    [InlineData("Tls", "ssl3", "Mail:Smtp:Tls")]
    [InlineData("From", "not an address", "Mail:Smtp:From")]
    [InlineData("Host", "bad host!", "Mail:Smtp:Host")]
    [InlineData("User", "relay-user", "Mail:Smtp:Password")]
    public void Bad_smtp_settings_are_named(string key, object value, string named)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Mail"]!["Smtp"]![key] = JsonValue.Create(value));
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal(named, error.Key);
    }

    [Fact]
    public void A_relay_without_a_sender_is_refused_and_plain_text_off_the_machine_is_a_warning()
    {
        var noFrom = DemoConfig.LoadEdited(d => d["Mail"]!["Smtp"]!.AsObject().Remove("From"));
        Assert.Equal("Mail:Smtp:From", Assert.Single(noFrom.Problems.Errors).Key);

        var remote = DemoConfig.LoadEdited(d => d["Mail"]!["Smtp"]!["Host"] = "smtp.example.com");
        Assert.True(remote.IsValid, string.Join('\n', remote.Problems.Errors));
        Assert.Contains(remote.Problems.Warnings, w => w.Key == "Mail:Smtp:Tls");
    }

    [Theory]
    [InlineData("PublicUrl", "ftp://help.example.com", "Portal:PublicUrl")]
    [InlineData("PublicUrl", "https://help.example.com/?x=1", "Portal:PublicUrl")]
    [InlineData("SignInLinkMinutes", 0, "Portal:SignInLinkMinutes")]
    [InlineData("SessionIdleMinutes", 20000, "Portal:SessionIdleMinutes")]
    [InlineData("LinksPerCustomerPerHour", 0, "Portal:LinksPerCustomerPerHour")]
    [InlineData("SignInsPerAddressPerMinute", 0, "Portal:SignInsPerAddressPerMinute")]
    public void Bad_portal_settings_are_named(string key, object value, string named)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Portal"] = new JsonObject { [key] = JsonValue.Create(value) });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal(named, error.Key);
    }
}
