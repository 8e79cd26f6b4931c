using Ccgw.Configuration;
using Ccgw.Core.Callbacks;
using Ccgw.Testing;

namespace Ccgw.Web.Tests;

/// <summary><c>Queues[].Callbacks</c>: defaults, the mapping to the core's policies, and every rule named by its key.</summary>
public sealed class CallbackConfigurationTests
{
    private static LoadedConfiguration Load(Dictionary<string, string> env) =>
        GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), env);

    [Fact]
    public void Defaults_are_agent_first_without_slot_caps()
    {
        var config = Load([]);
        Assert.True(config.IsValid, string.Join("\n", config.Problems.Errors));
        var sales = CallbackRules.From(config.Options).Find("sales")!;
        Assert.Equal(CallbackDialMode.AgentFirst, sales.Mode);
        Assert.False(sales.HasSlotCap);
        Assert.Equal(TimeSpan.FromDays(7), sales.BookingWindow);
        Assert.Equal(3, sales.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(2), sales.BackoffAfter(1));
        Assert.Equal(TimeSpan.FromMinutes(4), sales.BackoffAfter(2));
    }

    [Fact]
    public void Mode_and_slot_cap_map_to_the_policy()
    {
        var config = Load(new()
        {
            ["CCGW__Queues__1__Callbacks__Mode"] = "customerFirst",
            ["CCGW__Queues__1__Callbacks__SlotMinutes"] = "30",
            ["CCGW__Queues__1__Callbacks__MaxPerSlot"] = "4",
        });
        Assert.True(config.IsValid, string.Join("\n", config.Problems.Errors));
        var policies = CallbackRules.From(config.Options);
        Assert.Equal(CallbackDialMode.CustomerFirst, policies.ModeFor("billing"));
        Assert.Equal(CallbackDialMode.AgentFirst, policies.ModeFor("sales"));
        var billing = policies.Find("billing")!;
        Assert.True(billing.HasSlotCap);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero), billing.SlotStart(new DateTimeOffset(2026, 11, 23, 9, 59, 59, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("Mode", "sideways", "Queues:0:Callbacks:Mode")]
    [InlineData("SlotMinutes", "15", "Queues:0:Callbacks:MaxPerSlot")]
    [InlineData("MaxPerSlot", "3", "Queues:0:Callbacks:SlotMinutes")]
    [InlineData("SlotMinutes", "2000", "Queues:0:Callbacks:SlotMinutes")]
    [InlineData("WindowDays", "400", "Queues:0:Callbacks:WindowDays")]
    [InlineData("MaxAttempts", "0", "Queues:0:Callbacks:MaxAttempts")]
    [InlineData("RetryBackoffSeconds", "0", "Queues:0:Callbacks:RetryBackoffSeconds")]
    [InlineData("Slots", "3", "Queues:0:Callbacks:Slots")]
    public void Each_bad_value_is_reported_with_its_key(string key, string value, string reported)
    {
        var config = Load(new() { [$"CCGW__Queues__0__Callbacks__{key}"] = value });
        Assert.False(config.IsValid);
        Assert.Contains(config.Problems.Errors, p => p.Key == reported);
    }
}
