namespace Ccgw.Mqtt.Tests.Topics;

/// <summary>The ACL of CONTRACT §6.</summary>
public sealed class ContactCenterAclTests
{
    private static readonly ContactCenterAcl Acl = new();
    private static readonly MqttIdentity Alice = new("alice", [ContactCenterAcl.AgentRole]);
    private static readonly MqttIdentity Sup = new("sup", [ContactCenterAcl.SupervisorRole]);

    [Theory]
    [InlineData("ccgw/agents/alice/#", true)]
    [InlineData("ccgw/agents/alice/presence", true)]
    [InlineData("ccgw/agents/alice/+", true)]
    [InlineData("ccgw/agents/alice", true)]
    [InlineData("ccgw/queues/#", true)]
    [InlineData("ccgw/queues/+/stats", true)]
    [InlineData("ccgw/center/status", true)]
    [InlineData("ccgw/agents/bob/#", false)]
    [InlineData("ccgw/agents/+/presence", false)]
    [InlineData("ccgw/agents/#", false)]
    [InlineData("ccgw/#", false)]
    [InlineData("#", false)]
    [InlineData("+/agents/alice/#", false)]
    [InlineData("ccgw/clients/carol/presence", false)]
    [InlineData("ccgw/interactions/+/events", false)]
    [InlineData("$SYS/#", false)]
    public void Agent_reads_only_its_own_topics_queues_and_center(string filter, bool allowed) =>
        Assert.Equal(allowed, Acl.CanSubscribe(Alice, filter));

    [Theory]
    [InlineData("ccgw/agents/alice/commands", true)]
    [InlineData("ccgw/agents/bob/commands", false)]
    [InlineData("ccgw/agents/alice/presence", false)]
    [InlineData("ccgw/queues/sales/stats", false)]
    public void Agent_publishes_only_its_own_commands(string topic, bool allowed) =>
        Assert.Equal(allowed, Acl.CanPublish(Alice, topic));

    [Theory]
    [InlineData("#")]
    [InlineData("ccgw/agents/+/presence")]
    [InlineData("ccgw/clients/#")]
    [InlineData("$SYS/#")]
    public void Supervisor_reads_everything(string filter) => Assert.True(Acl.CanSubscribe(Sup, filter));

    [Fact]
    public void Supervisor_commands_agents_but_publishes_nothing_else()
    {
        Assert.True(Acl.CanPublish(Sup, "ccgw/agents/bob/commands"));
        Assert.False(Acl.CanPublish(Sup, "ccgw/agents/bob/presence"));
        Assert.False(Acl.CanPublish(Sup, "ccgw/agents/x/y/commands"));
    }

    [Theory]
    [InlineData("a+b")]
    [InlineData("#")]
    [InlineData("a/b")]
    public void Agent_names_that_are_not_one_topic_level_get_nothing(string name)
    {
        var odd = new MqttIdentity(name, [ContactCenterAcl.AgentRole]);
        Assert.False(Acl.CanSubscribe(odd, $"ccgw/agents/{name}/#"));
        Assert.False(Acl.CanPublish(odd, $"ccgw/agents/{name}/commands"));
    }

    [Fact]
    public void Identity_without_a_role_gets_nothing()
    {
        var nobody = new MqttIdentity("alice", []);
        Assert.False(Acl.CanSubscribe(nobody, "ccgw/queues/#"));
        Assert.False(Acl.CanPublish(nobody, "ccgw/agents/alice/commands"));
    }
}
