using Ccgw.Testing;
using Microsoft.Extensions.Configuration;

namespace Ccgw.Configuration.Tests;

/// <summary>
/// Issue 21: the schema check and the binder walk <see cref="ConfigTree"/> (built once) instead of the configuration
/// root, whose walk is quadratic in the number of keys. The tree must read exactly as the root does.
/// </summary>
public sealed class ConfigTreeTests
{
    [Theory]
    [InlineData("config")]
    [InlineData("packaging")]
    public void The_tree_reads_as_the_configuration_root_does(string folder)
    {
        var file = Path.Combine(RepoPaths.Root, folder, "ccgw.json");
        var overrides = new Dictionary<string, string?> { ["Listeners:Http:Port"] = "9090", ["Agents:0:Skills:extra"] = "2", ["Trunks"] = "" };
        var root = new ConfigurationBuilder()
            .Add(new ReadableJsonSource { Path = Path.GetFileName(file), Optional = false, FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(file)!) })
            .AddInMemoryCollection(overrides)
            .Build();

        var tree = ConfigTree.TryFrom(root);

        Assert.NotNull(tree);
        Assert.Equal(Walk(root), Walk(tree));
        Assert.Equal("9090", tree["Listeners:Http:Port"]);
        Assert.Null(tree.GetSection("No:Such").Value);
        Assert.Empty(tree.GetSection("No:Such").GetChildren());
        Assert.Equal("No:Such", tree.GetSection("No:Such").Path);
    }

    [Fact]
    public void Children_come_in_the_roots_order_numbers_by_value()
    {
        var pairs = new Dictionary<string, string?> { ["A:10"] = "x", ["A:2"] = "y", ["A:b"] = "z", ["A:1"] = "w" };
        var root = new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();

        Assert.Equal(Walk(root), Walk(ConfigTree.Build(pairs)));
        Assert.Equal(["1", "2", "10", "b"], ConfigTree.Build(pairs).GetSection("A").GetChildren().Select(c => c.Key));
    }

    // Every section in walk order with its key, path and value: what ConfigSchemaChecker and the binder read.
    private static List<string> Walk(IConfiguration configuration)
    {
        var seen = new List<string>();
        foreach (var child in configuration.GetChildren())
            Visit(child, seen);
        return seen;
    }

    private static void Visit(IConfigurationSection section, List<string> seen)
    {
        seen.Add($"{section.Key}|{section.Path}|{section.Value ?? "<null>"}");
        foreach (var child in section.GetChildren())
            Visit(child, seen);
    }
}
