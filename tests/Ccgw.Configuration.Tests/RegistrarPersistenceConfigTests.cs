using System.Text.Json.Nodes;
using Ccgw.Configuration;

namespace Ccgw.Configuration.Tests;

/// <summary>Issue 21: Sip:Registrar:Persistence chooses when a REGISTER's 200 OK is sent relative to storage.</summary>
public sealed class RegistrarPersistenceConfigTests
{
    [Fact]
    public void Durable_is_the_default()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal(RegistrarBindingOptions.Durable, loaded.Options.Sip.Registrar.Persistence);
    }

    [Theory]
    [InlineData("durable")]
    [InlineData("write-behind")]
    [InlineData("Write-Behind")]
    public void Both_modes_are_accepted(string mode)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Sip"] = new JsonObject { ["Registrar"] = new JsonObject { ["Persistence"] = mode } });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal(mode, loaded.Options.Sip.Registrar.Persistence);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("")]
    public void Anything_else_is_an_error_naming_the_key(string mode)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Sip"] = new JsonObject { ["Registrar"] = new JsonObject { ["Persistence"] = mode } });
        Assert.False(loaded.IsValid);
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Sip:Registrar:Persistence", error.Key);
        Assert.Contains("write-behind", error.Message, StringComparison.Ordinal);
    }
}
