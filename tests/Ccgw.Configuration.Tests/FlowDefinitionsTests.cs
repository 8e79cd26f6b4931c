using Ccgw.Core.Flows;

namespace Ccgw.Configuration.Tests;

public sealed class FlowDefinitionsTests
{
    [Fact]
    public void Demo_main_flow_maps_to_the_core_and_answers_the_contract_menu()
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(DemoConfig.ConfigDirectory, "ccgw.json"), new Dictionary<string, string>());
        var catalog = CoreDefinitions.FlowCatalog(loaded.Options, loaded.Context);

        var welcome = catalog.Prompts["welcome"];
        Assert.True(File.Exists(welcome.File), welcome.File);
        Assert.Equal("Welcome to the demo contact centre.", catalog.TextOf("welcome"));

        // CONTRACT §3: "1 for sales, 2 for billing, 9 for a call back", the same typed as words.
        foreach (var (answer, queue) in new[] { ("1", "sales"), ("2", "billing"), ("Sales", "sales"), ("billing", "billing") })
        {
            var run = new FlowRun(catalog.Flows["main"]);
            Assert.Equal(["welcome", "menu"], Assert.IsType<AwaitInput>(run.Start()).Prompts);
            Assert.Equal(queue, Assert.IsType<EnterQueue>(run.Input(answer)).QueueId);
        }
        var callback = new FlowRun(catalog.Flows["main"]);
        callback.Start();
        Assert.IsType<RequestCallback>(callback.Digit('9'));
        Assert.Equal(["goodbye"], Assert.IsType<EndConversation>(callback.Continue()).Prompts);
    }
}
