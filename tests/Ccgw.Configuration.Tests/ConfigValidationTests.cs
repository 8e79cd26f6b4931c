using System.Text.Json.Nodes;
using Ccgw.Configuration;
using Ccgw.Core.Security;

namespace Ccgw.Configuration.Tests;

public sealed class ConfigValidationTests
{
    [Fact]
    public void Shipped_demo_config_is_valid()
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(DemoConfig.ConfigDirectory, "ccgw.json"), new Dictionary<string, string>());
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal(["alice", "bob"], loaded.Options.Agents.Select(a => a.Id));
        Assert.Equal(["sales", "billing"], loaded.Options.Queues.Select(q => q.Id));
        Assert.Equal(5, loaded.Options.Agents[0].Skills["sales"]);
        Assert.Equal("main", loaded.Options.Trunks[0].Dids["100"]);
    }

    [Fact]
    public void Bad_port_names_the_port_key()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Http"]!["Port"] = 70000);
        AssertSingleError(loaded, "Listeners:Http:Port", "70000");
    }

    [Fact]
    public void Unknown_section_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Queus"] = new JsonArray());
        AssertSingleError(loaded, "Queus", "unknown section");
    }

    [Fact]
    public void Unknown_nested_key_is_named_with_its_path()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Agents"]![0]!["Skils"] = new JsonObject());
        AssertSingleError(loaded, "Agents:0:Skils", "unknown key");
    }

    [Fact]
    public void Overlapping_listeners_are_reported()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Mqtt"]!["Port"] = 8080);
        AssertSingleError(loaded, "Listeners:Mqtt:Port", "overlaps Listeners:Http");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void Mqtt_maximum_keep_alive_out_of_range_is_named(int seconds)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Mqtt"] = new JsonObject { ["MaximumKeepAliveSeconds"] = seconds });
        AssertSingleError(loaded, "Mqtt:MaximumKeepAliveSeconds", $"{seconds} is out of range; use 1-65535 seconds");
    }

    [Fact]
    public void Mqtt_maximum_keep_alive_in_range_is_accepted()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Mqtt"] = new JsonObject { ["MaximumKeepAliveSeconds"] = 600 });
        Assert.Empty(loaded.Problems.Errors);
        Assert.Equal(600, loaded.Options.Mqtt.MaximumKeepAliveSeconds);
    }

    [Fact]
    public void Wildcard_address_overlaps_a_specific_one()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Listeners"]!["Xmpp"]!["Address"] = "0.0.0.0";
            d["Listeners"]!["Xmpp"]!["Port"] = 1883;
        });
        Assert.Contains(loaded.Problems.Errors, p => p.Key.StartsWith("Listeners:", StringComparison.Ordinal) && p.Message.Contains("overlaps"));
    }

    [Fact]
    public void Sip_udp_and_tcp_may_share_a_port_but_rtp_range_may_not_contain_sip_udp()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["SipUdp"]!["Port"] = 20010);
        AssertSingleError(loaded, "Listeners:Rtp:PortMin", "overlaps Listeners:SipUdp");
    }

    [Fact]
    public void Missing_prompt_file_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Prompts"]!["Items"]!["welcome"]!["File"] = "nope.wav");
        AssertSingleError(loaded, "Prompts:Items:welcome:File", "not found");
    }

    [Fact]
    public void Duplicate_agent_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Agents"]![1]!["Id"] = "alice");
        AssertSingleError(loaded, "Agents:1:Id", "duplicate agent id 'alice'");
    }

    [Fact]
    public void Agent_and_supervisor_ids_share_one_namespace()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Supervisors"]![0]!["Id"] = "bob");
        AssertSingleError(loaded, "Supervisors:0:Id", "duplicate supervisor id 'bob'");
    }

    [Fact]
    public void Undefined_queue_in_a_flow_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Flows"]!["main"]!["Steps"]!["to-sales"]!["Queue"] = "salez");
        AssertSingleError(loaded, "Flows:main:Steps:to-sales:Queue", "queue 'salez' is not defined");
    }

    [Fact]
    public void Undefined_overflow_queue_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Queues"]![1]!["Overflow"]!["Queue"] = "nowhere");
        AssertSingleError(loaded, "Queues:1:Overflow:Queue", "queue 'nowhere' is not defined");
    }

    [Fact]
    public void Undefined_flow_for_a_did_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Trunks"]![0]!["Dids"]!["100"] = "mian");
        AssertSingleError(loaded, "Trunks:0:Dids:100", "flow 'mian' is not defined");
    }

    [Fact]
    public void Menu_option_to_an_undefined_step_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Flows"]!["main"]!["Steps"]!["menu"]!["Options"]!["1"] = "to-nowhere");
        AssertSingleError(loaded, "Flows:main:Steps:menu:Options:1", "step 'to-nowhere' is not defined");
    }

    [Fact]
    public void Value_of_the_wrong_type_is_named_and_the_rest_is_still_validated()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Listeners"]!["Http"]!["Port"] = "eighty";
            d["Agents"]![1]!["Id"] = "alice";
        });
        Assert.Contains(loaded.Problems.Errors, p => p.Key == "Listeners:Http:Port" && p.Message.Contains("not a whole number"));
        Assert.Contains(loaded.Problems.Errors, p => p.Key == "Agents:1:Id");
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Listeners"]!["Http"]!["Port"] = 0;
            d["Queus"] = new JsonObject();
            d["Agents"]![1]!["Id"] = "alice";
        });
        Assert.Equal(3, loaded.Problems.Errors.Count);
    }

    [Fact]
    public void Skill_level_out_of_range()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Agents"]![0]!["Skills"]!["sales"] = 11);
        AssertSingleError(loaded, "Agents:0:Skills:sales", "level 11");
    }

    [Fact]
    public void Odd_rtp_start_port_is_rejected()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Rtp"]!["PortMin"] = 20001);
        AssertSingleError(loaded, "Listeners:Rtp:PortMin", "odd");
    }

    [Fact]
    public void Bad_listen_address_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Xmpp"]!["Address"] = "local host");
        AssertSingleError(loaded, "Listeners:Xmpp:Address", "not an IP address");
    }

    [Fact]
    public void Invalid_trunk_network_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Trunks"]![0]!["AllowFrom"]![0] = "127.0.0.1/99");
        AssertSingleError(loaded, "Trunks:0:AllowFrom:0", "not an IP address or CIDR");
    }

    [Fact]
    public void Outbound_host_with_a_scheme_or_port_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Trunks"]![0]!["Outbound"]!["Host"] = "sip:pbx.example.com:5060");
        AssertSingleError(loaded, "Trunks:0:Outbound:Host", "not a host name or IP address");
    }

    [Fact]
    public void Outbound_host_may_be_a_name()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Trunks"]![0]!["Outbound"]!["Host"] = "pbx.example.com");
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
    }

    [Fact]
    public void Call_back_trunk_must_exist()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Queues"]![0]!["Callbacks"] = new JsonObject { ["Trunk"] = "carrier" });
        AssertSingleError(loaded, "Queues:0:Callbacks:Trunk", "trunk 'carrier' is not defined; use one of: pbx");
    }

    [Fact]
    public void Call_back_trunk_must_have_an_outbound_peer()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Trunks"]!.AsArray().Add(new JsonObject { ["Id"] = "inbound-only", ["AllowFrom"] = new JsonArray("127.0.0.2") });
            d["Queues"]![1]!["Callbacks"] = new JsonObject { ["Trunk"] = "inbound-only" };
        });
        AssertSingleError(loaded, "Queues:1:Callbacks:Trunk", "has no Outbound peer");
    }

    [Fact]
    public void Call_back_trunk_of_a_queue_is_bound()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Queues"]![1]!["Callbacks"] = new JsonObject { ["Trunk"] = "pbx" });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal("pbx", loaded.Options.Queues[1].Callbacks.Trunk);
        Assert.Null(loaded.Options.Queues[0].Callbacks.Trunk);
    }

    [Theory]
    [InlineData("MinimumInputSeconds", 2, "2 is out of range; use 5-3600")]
    [InlineData("CallbackNumberSeconds", 0, "0 is out of range; use 10-3600")]
    [InlineData("CapabilityProbeSeconds", 120, "120 is out of range; use 1-60")]
    [InlineData("MaxConversations", -1, "-1 is out of range; use 1-1000000")]
    public void Im_waits_and_limits_out_of_range_are_named(string key, int value, string message)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]![key] = value);
        AssertSingleError(loaded, "Im:" + key, message);
    }

    [Fact]
    public void Im_waits_bind_and_default()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]!["MinimumInputSeconds"] = 120);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal(120, loaded.Options.Im.MinimumInputSeconds);
        Assert.Equal(180, loaded.Options.Im.CallbackNumberSeconds);
        Assert.Equal(5, loaded.Options.Im.CapabilityProbeSeconds);
        Assert.Equal(10_000, loaded.Options.Im.MaxConversations);
    }

    [Fact]
    public void A_steps_product_reaches_the_flow_catalogue()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Flows"]!["main"]!["Steps"]!["to-billing"]!["Product"] = "invoices");
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        var steps = FlowDefinitions.From(loaded.Options).Flows["main"].Steps;
        Assert.Equal("invoices", steps["to-billing"].Product);
        Assert.Null(steps["to-sales"].Product);
    }

    [Fact]
    public void A_blank_product_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Flows"]!["main"]!["Steps"]!["to-billing"]!["Product"] = " ");
        AssertSingleError(loaded, "Flows:main:Steps:to-billing:Product", "name the product in 1-100 characters");
    }

    [Fact]
    public void A_variable_on_a_step_that_collects_nothing_is_an_error_not_ignored()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Flows"]!["main"]!["Steps"]!["to-sales"]!["Variable"] = "account");
        AssertSingleError(loaded, "Flows:main:Steps:to-sales:Variable", "only a collect step gathers a variable");
    }

    [Theory]
    [InlineData("QueueUpdateSeconds", 2, "2 is out of range; use 0 (only on entry) or 5-3600")]
    [InlineData("QueueUpdateSeconds", 7200, "7200 is out of range; use 0 (only on entry) or 5-3600")]
    [InlineData("QueueUpdateWaitChangeSeconds", 0, "0 is out of range; use 1-3600")]
    public void Im_queue_updates_out_of_range_are_named(string key, int value, string message)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]![key] = value);
        AssertSingleError(loaded, "Im:" + key, message);
    }

    [Fact]
    public void Im_queue_updates_bind_default_and_may_be_switched_off()
    {
        var defaults = DemoConfig.LoadEdited(_ => { });
        Assert.Equal((30, 60), (defaults.Options.Im.QueueUpdateSeconds, defaults.Options.Im.QueueUpdateWaitChangeSeconds));
        var off = DemoConfig.LoadEdited(d => d["Im"]!["QueueUpdateSeconds"] = 0);
        Assert.True(off.IsValid, string.Join("; ", off.Problems.Errors));
        Assert.Equal(0, off.Options.Im.QueueUpdateSeconds);
    }

    [Fact]
    public void An_unknown_im_text_is_named_with_the_texts_there_are()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]!["Texts"] = new JsonObject { ["Hello"] = "Hallo" });
        AssertSingleError(loaded, "Im:Texts:Hello", "not a text the gateway writes; use one of:");
    }

    [Fact]
    public void An_im_text_with_a_value_it_does_not_have_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]!["Texts"] = new JsonObject { ["QueueGreeting"] = "Willkommen bei {queu}." });
        AssertSingleError(loaded, "Im:Texts:QueueGreeting", "{queu} is not a value of this text; use {queue}");
    }

    [Fact]
    public void Im_texts_bind_by_name()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Im"]!["Texts"] = new JsonObject { ["AgentJoined"] = "Ein Mitarbeiter ist da." });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal("Ein Mitarbeiter ist da.", loaded.Options.Im.Texts["AgentJoined"]);
    }

    [Fact]
    public void Environment_override_replaces_a_value()
    {
        var loaded = DemoConfig.LoadEdited(_ => { }, new() { ["CCGW__Listeners__Http__Port"] = "18080", ["OTHER"] = "x" });
        Assert.True(loaded.IsValid);
        Assert.Equal(18080, loaded.Options.Listeners.Http.Port);
    }

    [Fact]
    public void Environment_override_is_validated_like_the_file()
    {
        var loaded = DemoConfig.LoadEdited(_ => { }, new() { ["CCGW__Listeners__Mqtt__Prot"] = "1" });
        AssertSingleError(loaded, "Listeners:Mqtt:Prot", "unknown key");
    }

    [Fact]
    public void Missing_config_file_is_reported()
    {
        var loaded = GatewayConfiguration.Load("/nonexistent/ccgw.json", new Dictionary<string, string>());
        AssertSingleError(loaded, "--config", "not found");
    }

    [Fact]
    public void Malformed_json_is_reported()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ccgw-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"Site\": { ");
        try
        {
            var loaded = GatewayConfiguration.Load(path, new Dictionary<string, string>());
            AssertSingleError(loaded, "--config", "not valid JSON");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Invalid_log_level_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Logging"]!["LogLevel"]!["Default"] = "Loud");
        AssertSingleError(loaded, "Logging:LogLevel:Default", "not a log level");
    }

    [Fact]
    public void Password_hash_from_the_tool_is_accepted_and_verifies()
    {
        var credential = StoredCredential.Derive("alice", "localhost", "demo-alice");
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Agents"]![0]!.AsObject().Remove("Password");
            d["Agents"]![0]!["PasswordHash"] = credential.ToString();
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.True(StoredCredential.TryParse(loaded.Options.Agents[0].PasswordHash!, out var parsed, out _));
        Assert.True(parsed.Verify("demo-alice"));
        Assert.False(parsed.Verify("demo-alicf"));
        Assert.Equal(credential.Ha1Md5, parsed.Ha1Md5);
    }

    [Fact]
    public void Password_hash_for_another_realm_is_refused()
    {
        var credential = StoredCredential.Derive("alice", "example.com", "demo-alice");
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Agents"]![0]!.AsObject().Remove("Password");
            d["Agents"]![0]!["PasswordHash"] = credential.ToString();
        });
        AssertSingleError(loaded, "Agents:0:PasswordHash", "realm 'example.com'");
    }

    [Fact]
    public void Digest_ha1_matches_rfc_2617_definition()
    {
        // MD5("alice:localhost:demo-alice"), computed independently with md5sum.
        var credential = StoredCredential.Derive("alice", "localhost", "demo-alice");
        Assert.Equal("1fb521f3da257a98e6d5fb259efd050a", credential.Ha1Md5);
    }

    private static void AssertSingleError(LoadedConfiguration loaded, string key, string fragment)
    {
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == key, $"expected one problem at {key}, got:\n{string.Join("\n", errors)}");
        var problem = errors[0];
        Assert.Contains(fragment, problem.Message, StringComparison.Ordinal);
    }
}

public sealed class CoreDefinitionMappingTests
{
    [Fact]
    public void Demo_config_maps_to_a_valid_core_definition()
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(DemoConfig.ConfigDirectory, "ccgw.json"), new Dictionary<string, string>());
        var definition = CoreDefinitions.From(loaded.Options);

        Assert.Empty(definition.Validate());
        var alice = definition.Agents.Single(a => a.Id == "alice");
        Assert.Equal(5, alice.Skills["sales"]);
        Assert.Equal(3, alice.Capacity.Im);
        var billing = definition.Queues.Single(q => q.Id == "billing");
        Assert.Equal(TimeSpan.FromSeconds(300), billing.Overflow?.After);
        Assert.Equal("sales", billing.Overflow?.Queue);
        Assert.Equal([60.0, 120.0], definition.Queues.Single(q => q.Id == "sales").Widening!.Select(w => w.After.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(15), definition.Options.OfferTimeout);
    }

    [Theory]
    [InlineData("Queues[1].Overflow.Queue", "Queues:1:Overflow:Queue")]
    [InlineData("Options.OfferTimeout", "Options:OfferTimeout")]
    public void Core_paths_become_config_keys(string core, string key) => Assert.Equal(key, CoreDefinitions.KeyPath(core));
}
