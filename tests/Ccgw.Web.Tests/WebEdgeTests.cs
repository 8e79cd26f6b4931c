using System.Net;
using Ccgw.Web.Edge;

namespace Ccgw.Web.Tests;

public sealed class WebEdgeTests
{
    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("::ffff:192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void An_ipv6_client_is_counted_by_its_64_and_ipv4_by_its_address(string address, string partition) =>
        Assert.Equal(partition, WebEdge.PartitionKey(IPAddress.Parse(address)));

    [Fact]
    public async Task Help_page_answers_carry_the_policy_and_load_script_and_style_from_files()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var page = await host.Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(WebEdge.ContentSecurityPolicy, Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        using var script = await host.Http.GetAsync(new Uri("/assets/help.js", UriKind.Relative));
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("function waitText", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
