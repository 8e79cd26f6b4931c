using Ccgw.Core;

namespace Ccgw.Core.Tests;

/// <summary>
/// Compatibility routing (seed 004): the customer's client decides which agents are eligible, through the queue's
/// required capabilities and its compatibility rules; a chat nobody ready can serve waits, then overflows by rule.
/// </summary>
public sealed class CompatibilityRoutingTests
{
    private static InteractionRequest Chat(string queue, string? software = null, string? features = null) => new()
    {
        Channel = InteractionChannel.Im,
        QueueId = queue,
        Client = software is null ? null : new ClientSoftware(software, "1.0", "Linux"),
        Capabilities = features is null ? null : new HashSet<string>(features.Split(','), StringComparer.Ordinal),
    };

    private static QueueDefinition WithRules(QueueDefinition q, params CompatibilityRule[] rules) => q with { Compatibility = rules };

    [Fact]
    public void A_client_matched_by_software_name_goes_only_to_an_agent_with_the_capability()
    {
        // Plain is the better choice by skill and idle time; only the rule can send the chat to legacy.
        var c = new TestCentre([Agent("plain", "sales:9", im: 2), Agent("legacy", "sales:1", im: 2, caps: "legacy-im")],
            [WithRules(Queue("sales"), new CompatibilityRule("legacy-im", ClientSoftware: "OldChat"))]);
        c.Ready("plain");
        c.AdvanceSeconds(10);
        c.Ready("legacy");

        Assert.Equal("legacy", c.Submit(Chat("sales", software: "oldchat")).AgentId); // XEP-0092 names: case-insensitive
        Assert.Equal("plain", c.Submit(Chat("sales", software: "Gajim")).AgentId);
        Assert.Equal("plain", c.Submit(Chat("sales")).AgentId);
        c.AssertConsistent();
    }

    [Fact]
    public void A_client_matched_by_feature_needs_the_capability_and_both_conditions_must_hold_when_both_are_set()
    {
        const string Xhtml = "http://jabber.org/protocol/xhtml-im";
        var c = new TestCentre([Agent("plain", "sales:9", im: 5), Agent("rich", "sales:1", im: 5, caps: "xhtml,gajim-desk")],
            [WithRules(Queue("sales"),
                new CompatibilityRule("xhtml", ClientFeature: Xhtml),
                new CompatibilityRule("gajim-desk", ClientSoftware: "Gajim", ClientFeature: "urn:xmpp:jingle:1"))]);
        c.Ready("plain");
        c.Ready("rich");

        Assert.Equal("rich", c.Submit(Chat("sales", features: Xhtml + ",jabber:x:data")).AgentId);
        Assert.Equal("plain", c.Submit(Chat("sales", software: "Gajim", features: "jabber:x:data")).AgentId);
        Assert.Equal("rich", c.Submit(Chat("sales", software: "Gajim", features: "urn:xmpp:jingle:1")).AgentId);
    }

    [Fact]
    public void A_chat_nobody_ready_can_serve_waits_and_is_offered_when_a_capable_agent_becomes_ready()
    {
        var c = new TestCentre([Agent("plain", im: 2), Agent("legacy", im: 2, caps: "legacy-im")],
            [WithRules(Queue("sales"), new CompatibilityRule("legacy-im", ClientSoftware: "OldChat"))]);
        c.Ready("plain");

        var chat = c.Submit(Chat("sales", software: "OldChat"));
        Assert.Null(chat.AgentId);
        Assert.Equal(InteractionState.Queued, c.Interaction(chat.InteractionId)!.Interaction.State);
        c.AdvanceSeconds(60);
        Assert.Null(c.OfferedTo(chat.InteractionId));

        c.Ready("legacy");
        Assert.Equal("legacy", c.OfferedTo(chat.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void A_chat_nobody_here_can_serve_overflows_by_the_queue_rule_and_leaves_the_requirement_behind()
    {
        // Support's rule needs "legacy-im", which nobody has; general has no such rule, so after the overflow the
        // chat reaches the plain agent (who serves general only).
        var c = new TestCentre([Agent("plain", "general:1", im: 2)],
            [WithRules(Queue("support", "sales:1", overflow: new OverflowRule(TimeSpan.FromSeconds(30), "general")),
                new CompatibilityRule("legacy-im", ClientSoftware: "OldChat")),
             Queue("general", "general:1")]);
        c.Ready("plain");

        var chat = c.Submit(Chat("support", software: "OldChat"));
        Assert.Null(chat.AgentId);
        c.AdvanceSeconds(29);
        Assert.Null(c.OfferedTo(chat.InteractionId));
        c.AdvanceSeconds(1);
        Assert.Equal("plain", c.OfferedTo(chat.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void A_queue_requirement_applies_to_every_interaction_of_the_queue_together_with_the_request_own()
    {
        var c = new TestCentre([Agent("plain", im: 3), Agent("video", im: 3, caps: "video"), Agent("both", im: 3, caps: "video,screen")],
            [Queue("sales") with { RequiredAgentCapabilities = new HashSet<string>(["video"], StringComparer.Ordinal) }]);
        c.Ready("plain");
        c.Ready("video");
        c.AdvanceSeconds(10);
        c.Ready("both");

        Assert.Equal("video", c.Submit(Chat("sales")).AgentId);
        Assert.Equal("both", c.Submit(Call("sales", InteractionChannel.Im, requires: "screen")).AgentId);
        for (var n = 0; n < 4; n++)
            Assert.NotEqual("plain", c.Submit(Chat("sales")).AgentId);
        Assert.DoesNotContain(c.Offers, o => o.Offer.AgentId == "plain");
        c.AssertConsistent();
    }

    [Fact]
    public void A_rule_without_a_client_condition_is_a_definition_problem()
    {
        var definition = new ContactCenterDefinition([Agent("a")],
            [WithRules(Queue("sales"), new CompatibilityRule("x"), new CompatibilityRule("", ClientSoftware: "Gajim"))], RoutingOptions.Default);

        var problems = definition.Validate();

        Assert.Contains(problems, p => p.Path == "Queues[0].Compatibility[0]");
        Assert.Contains(problems, p => p.Path == "Queues[0].Compatibility[1].AgentCapability");
    }
}
