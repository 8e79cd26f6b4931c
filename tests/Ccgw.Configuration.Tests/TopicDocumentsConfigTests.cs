using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary><c>SelfHelp:TopicDocuments</c> (issue 18): a known topic, a title, an existing file inside the content directory.</summary>
public sealed class TopicDocumentsConfigTests
{
    [Fact]
    public void The_demo_offers_a_document_for_sales()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var doc = Assert.Single(loaded.Options.SelfHelp.TopicDocuments["sales"]);
        Assert.Equal("fibre-500-quick-start.txt", doc.Path);
    }

    [Theory]
    [InlineData("plumbing", "Manual", "fibre-500-quick-start.txt", "SelfHelp:TopicDocuments:plumbing")]
    [InlineData("sales", "", "fibre-500-quick-start.txt", "SelfHelp:TopicDocuments:sales:0:Title")]
    [InlineData("sales", "Manual", "../ccgw.json", "SelfHelp:TopicDocuments:sales:0:Path")]
    [InlineData("sales", "Manual", "/etc/passwd", "SelfHelp:TopicDocuments:sales:0:Path")]
    [InlineData("sales", "Manual", "missing.pdf", "SelfHelp:TopicDocuments:sales:0:Path")]
    public void Bad_documents_are_named(string topic, string title, string path, string named)
    {
        var loaded = DemoConfig.LoadEdited(d => d["SelfHelp"]!["TopicDocuments"] = new JsonObject
        {
            [topic] = new JsonArray(new JsonObject { ["Title"] = title, ["Path"] = path }),
        });
        Assert.Equal(named, Assert.Single(loaded.Problems.Errors).Key);
    }

    [Fact]
    public void Documents_without_a_content_directory_are_refused()
    {
        var loaded = DemoConfig.LoadEdited(d => d["SelfHelp"]!.AsObject().Remove("ContentDirectory"));
        Assert.Equal("SelfHelp:TopicDocuments", Assert.Single(loaded.Problems.Errors).Key);
    }
}
