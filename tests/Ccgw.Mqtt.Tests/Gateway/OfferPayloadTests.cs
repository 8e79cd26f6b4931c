using System.Text.Json;
using Ccgw.Core;
using Ccgw.Mqtt.Gateway;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>The offer on <c>ccgw/agents/{id}/offers</c> shows the customer's client (name, version, OS, features).</summary>
public sealed class OfferPayloadTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    private static Offer OfferOf(InteractionRequest request) =>
        new("o1", "i1", "alice", "billing", request.Channel, At, At.AddSeconds(15), 4,
            new InteractionView("i1", request, "billing", InteractionState.Offered, "alice", At.AddSeconds(-4), At));

    private static JsonElement Parse(byte[] payload) => JsonDocument.Parse(payload).RootElement.Clone();

    [Fact]
    public void An_im_offer_names_the_client_software_and_its_features_without_the_software_strings()
    {
        var request = new InteractionRequest
        {
            Channel = InteractionChannel.Im,
            QueueId = "billing",
            Client = new ClientSoftware("OldChat", "2.1", "Windows"),
            Capabilities = new HashSet<string> { "software:OldChat 2.1", "os:Windows", "jabber:x:data", "http://jabber.org/protocol/chatstates" },
        };

        var client = Parse(GatewayPayloads.Offer(OfferOf(request), null)).GetProperty("client");

        Assert.Equal(("OldChat", "2.1", "Windows"),
            (client.GetProperty("name").GetString(), client.GetProperty("version").GetString(), client.GetProperty("os").GetString()));
        Assert.Equal(["http://jabber.org/protocol/chatstates", "jabber:x:data"],
            client.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void Features_without_a_version_answer_still_show_and_a_voice_offer_has_a_null_client()
    {
        var im = Parse(GatewayPayloads.Offer(OfferOf(new InteractionRequest
        {
            Channel = InteractionChannel.Im, QueueId = "billing", Capabilities = new HashSet<string> { "jabber:x:data" },
        }), null)).GetProperty("client");
        Assert.Equal(JsonValueKind.Null, im.GetProperty("name").ValueKind);
        Assert.Equal(["jabber:x:data"], im.GetProperty("features").EnumerateArray().Select(f => f.GetString()));

        var voice = Parse(GatewayPayloads.Offer(OfferOf(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "billing" }), null));
        Assert.Equal(JsonValueKind.Null, voice.GetProperty("client").ValueKind);
    }

    [Fact]
    public void The_customer_record_carries_what_the_customer_changed_on_their_page()
    {
        var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var carol = new Ccgw.Core.Repositories.Customer("carol", "Carol Clark", ["+15550100"], ["carol@localhost"], [], [], null,
            "carol@example.com", ["fibre"], [new Ccgw.Core.Repositories.CustomerDetailChange("carol", at, "customer", "name", "Carol", "Carol Clark")]);

        var customer = Parse(GatewayPayloads.Offer(OfferOf(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "billing" }), carol))
            .GetProperty("customer");

        Assert.Equal("carol@example.com", customer.GetProperty("email").GetString());
        Assert.Equal(["fibre"], customer.GetProperty("interests").EnumerateArray().Select(i => i.GetString()));
        var change = Assert.Single(customer.GetProperty("recentChanges").EnumerateArray().ToList());
        Assert.Equal(("name", "Carol", "Carol Clark", "customer", GatewayPayloads.Time(at)),
            (change.GetProperty("field").GetString(), change.GetProperty("before").GetString(), change.GetProperty("after").GetString(),
             change.GetProperty("by").GetString(), change.GetProperty("at").GetString()));
    }
}

/// <summary>Issue 18: the offer names the medium the customer chose for a help request; live contacts have none.</summary>
public sealed class OfferMediumTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    private static JsonElement OfferFor(InteractionRequest request) => JsonDocument.Parse(GatewayPayloads.Offer(
        new Offer("o1", "i1", "alice", "sales", request.Channel, At, At.AddSeconds(15), 4,
            new InteractionView("i1", request, "sales", InteractionState.Offered, "alice", At.AddSeconds(-4), At)), null)).RootElement.Clone();

    [Theory]
    [InlineData(HelpMedium.Voice, "voice")]
    [InlineData(HelpMedium.Ivr, "ivr")]
    [InlineData(HelpMedium.Email, "email")]
    public void A_call_back_offer_carries_its_medium(HelpMedium medium, string wire)
    {
        var callback = new Ccgw.Core.Repositories.CallbackRequest("cb1", "sales", InteractionChannel.Callback, "+15550100", At, 0, At,
            Ccgw.Core.Repositories.CallbackStatus.Queued, Medium: medium);
        Assert.Equal(wire, OfferFor(callback.ToInteractionRequest()).GetProperty("medium").GetString());
    }

    [Fact]
    public void A_live_call_has_no_medium_field()
    {
        Assert.False(OfferFor(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" }).TryGetProperty("medium", out _));
    }
}
