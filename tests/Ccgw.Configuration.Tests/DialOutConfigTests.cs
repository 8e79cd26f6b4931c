using System.Text.Json.Nodes;
using Ccgw.Configuration;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Testing;

namespace Ccgw.Configuration.Tests;

/// <summary><c>DialOut</c> and <c>Trunks[].DialOut</c>: checked naming the key, mapped onto each queue's trunk, and the template's defaults.</summary>
public sealed class DialOutConfigTests
{
    private static void AssertSingleError(LoadedConfiguration loaded, string key, string fragment)
    {
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == key, $"expected one problem at {key}, got:\n{string.Join("\n", errors)}");
        Assert.Contains(fragment, errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CCGW__Trunks__0__DialOut__Deny__0", "1900", "Trunks:0:DialOut:Deny:0", "neither an E.164 prefix")]
    [InlineData("CCGW__Trunks__0__DialOut__Allow__1", "sip:pbx.example.com", "Trunks:0:DialOut:Allow:1", "neither an E.164 prefix")]
    [InlineData("CCGW__DialOut__Deny__0", "+", "DialOut:Deny:0", "neither an E.164 prefix")]
    [InlineData("CCGW__DialOut__MaxPerNumberPerDay", "-1", "DialOut:MaxPerNumberPerDay", "out of range")]
    [InlineData("CCGW__Trunks__0__DialOut__MaxPerSourcePerDay", "-5", "Trunks:0:DialOut:MaxPerSourcePerDay", "out of range")]
    [InlineData("CCGW__Trunks__0__DialOut__MaxConcurrentCalls", "100000", "Trunks:0:DialOut:MaxConcurrentCalls", "out of range")]
    [InlineData("CCGW__Trunks__0__DialOut__MaxCallSeconds", "90000", "Trunks:0:DialOut:MaxCallSeconds", "out of range")]
    [InlineData("CCGW__Trunks__0__DialOut__TopicDailyBudget__nosuch", "5", "Trunks:0:DialOut:TopicDailyBudget:nosuch", "is not a queue")]
    public void Each_bad_value_is_an_error_naming_its_key(string variable, string value, string key, string fragment)
    {
        var environment = new Dictionary<string, string> { [variable] = value };
        if (variable.EndsWith("Allow__1", StringComparison.Ordinal)) environment["CCGW__Trunks__0__DialOut__Allow__0"] = "+44";
        AssertSingleError(DemoConfig.LoadEdited(_ => { }, environment), key, fragment);
    }

    [Fact]
    public void A_trunks_own_section_replaces_the_default_and_each_queue_gets_its_trunks_policy()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["DialOut"] = new JsonObject { ["Deny"] = new JsonArray("+1900"), ["MaxPerSourcePerDay"] = 5 };
            d["Trunks"]!.AsArray().Add(new JsonObject
            {
                ["Id"] = "carrier",
                ["AllowFrom"] = new JsonArray("127.0.0.2"),
                ["Outbound"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = 5090 },
                ["DialOut"] = new JsonObject
                {
                    ["Allow"] = new JsonArray("+44", "*.example.com"),
                    ["MaxPerNumberPerDay"] = 0,
                    ["MaxConcurrentCalls"] = 4,
                    ["MaxCallSeconds"] = 1800,
                    ["TopicDailyBudget"] = new JsonObject { ["billing"] = 50 },
                },
            });
            d["Queues"]![1]!["Callbacks"] = new JsonObject { ["Trunk"] = "carrier" };
        });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        var policies = CallbackRules.From(loaded.Options);

        var sales = policies.Find("sales")!.DialOut; // the first dialling trunk, pbx: the default section
        Assert.Equal("pbx", sales.TrunkId);
        Assert.Equal(DialOutRule.Denied, sales.CheckDestination("+19005550100"));
        Assert.Equal(10, sales.MaxPerNumberPerDay);
        Assert.Equal(5, sales.MaxPerSourcePerDay);

        var billing = policies.Find("billing")!.DialOut; // its own trunk, carrier: its own section, as a whole
        Assert.Equal("carrier", billing.TrunkId);
        Assert.Equal(DialOutRule.NotAllowed, billing.CheckDestination("+19005550100"));
        Assert.Null(billing.CheckDestination("+442079460018"));
        Assert.Null(billing.MaxPerNumberPerDay);
        Assert.Null(billing.MaxPerSourcePerDay);
        Assert.Equal(4, billing.MaxConcurrentCalls);
        Assert.Equal(TimeSpan.FromMinutes(30), billing.MaxCallLength);
        Assert.Equal(50, billing.BudgetFor("billing"));
        Assert.Null(billing.BudgetFor("sales"));
    }

    [Fact]
    public void The_demo_dials_anything_but_at_most_ten_call_backs_per_number_a_day()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        var policy = CallbackRules.From(loaded.Options).Find("sales")!.DialOut;
        Assert.Null(policy.CheckDestination("+19005550100"));
        Assert.Equal(10, policy.MaxPerNumberPerDay);
        Assert.Null(policy.MaxPerSourcePerDay);
    }

    [Theory]
    [InlineData("+19005550100")]
    [InlineData("+19765550100")]
    [InlineData("+448712345678")]
    [InlineData("+449012345678")]
    [InlineData("+881612345678")]
    [InlineData("+882161234567")]
    [InlineData("+883140001234")]
    [InlineData("+870772001234")]
    [InlineData("+979123456789")]
    [InlineData("+12425550100")]
    [InlineData("+18765550100")]
    public void The_production_template_denies_premium_and_international_ranges(string number)
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "packaging", "ccgw.json"), new Dictionary<string, string>
        {
            ["CCGW__Site__SipDomain"] = "example.com",
            ["CCGW__Site__XmppDomain"] = "example.com",
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var policy = DialOutRules.For(loaded.Options, new TrunkOptions { Id = "carrier" });
        Assert.Equal(DialOutRule.Denied, policy.CheckDestination(number));
        Assert.Null(policy.CheckDestination("+12125550100"));
        Assert.NotNull(policy.MaxPerSourcePerDay);
        Assert.NotNull(policy.MaxConcurrentCalls);
        Assert.NotNull(policy.MaxCallLength);
    }
}
