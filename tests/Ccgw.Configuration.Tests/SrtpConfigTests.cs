using System.Text.Json.Nodes;
using Ccgw.Configuration;

namespace Ccgw.Configuration.Tests;

/// <summary>Agents[].Srtp: off by default, optional or required, anything else refused naming the key.</summary>
public sealed class SrtpConfigTests
{
    [Fact]
    public void Demo_config_leaves_srtp_off()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.All(loaded.Options.Agents, a => Assert.Equal("off", a.Srtp));
    }

    [Theory]
    [InlineData("off")]
    [InlineData("optional")]
    [InlineData("required")]
    public void The_three_modes_are_accepted(string mode)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Agents"]![0]!["Srtp"] = mode);
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal(mode, loaded.Options.Agents[0].Srtp);
    }

    [Theory]
    [InlineData("mandatory")]
    [InlineData("Required")]
    [InlineData("")]
    public void Another_value_names_the_key(string mode)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Agents"]![1]!["Srtp"] = mode);
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == "Agents:1:Srtp", string.Join("\n", errors));
        Assert.Contains("off, optional or required", errors[0].Message, StringComparison.Ordinal);
    }
}
