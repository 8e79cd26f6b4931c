using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Tests;

public sealed class JidTests
{
    [Theory]
    [InlineData("Support@LocalHost", "support", "localhost", null)]
    [InlineData("bob@localhost/phone", "bob", "localhost", "phone")]
    [InlineData("localhost", null, "localhost", null)]
    [InlineData("localhost/res/with/slash", null, "localhost", "res/with/slash")]
    public void Parses_and_normalises_case(string text, string? local, string domain, string? resource)
    {
        Assert.True(Jid.TryParse(text, out var jid));
        Assert.Equal(local, jid.Local);
        Assert.Equal(domain, jid.Domain);
        Assert.Equal(resource, jid.Resource);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@localhost")]
    [InlineData("a@")]
    [InlineData("a@b@c")]
    [InlineData("bob@localhost/")]
    [InlineData("b<o>b@localhost")]
    public void Rejects_malformed(string text) => Assert.False(Jid.TryParse(text, out _));

    [Fact]
    public void Bare_drops_the_resource_and_round_trips()
    {
        var jid = Jid.Parse("carol@localhost/laptop");
        Assert.Equal("carol@localhost", jid.Bare.ToString());
        Assert.Equal(jid, Jid.Parse(jid.ToString()));
    }
}
