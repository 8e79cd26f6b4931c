using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Web.Tests;

/// <summary>
/// Issue 15: the place and wait a call-back customer is told first (the receipt of <c>POST /api/help-requests</c>) come
/// from the core's offer order, so they are the figures the core reports once the scheduler has handed the call-back
/// over, and the order they promise is the order served. Real core, real SQLite, the real dispatcher, a manual clock;
/// alice takes one call-back at a time.
/// </summary>
public sealed class CallbackReceiptPlaceTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static CallbackDispatcher Dispatcher(HelpApiHost host) => new(host.Engine, host.Definition,
        new CallbackPolicies([new CallbackQueuePolicy("sales", "Sales"), new CallbackQueuePolicy("billing", "Billing")]),
        host.Callbacks, new SqliteInteractionHistoryRepository(host.Database), NullLogger<CallbackDispatcher>.Instance);

    private static async Task<(string Id, int Position, double? Ewt)> AskAsync(HelpApiHost host, string number)
    {
        using var response = await host.Http.PostAsync("/api/help-requests", Json($$"""{"number":"{{number}}","topic":"sales"}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("position").GetInt32(), Ewt(body));
    }

    private static async Task<(int Position, double? Ewt)> StatusAsync(HelpApiHost host, string id)
    {
        var body = await host.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
        return (body.GetProperty("position").GetInt32(), Ewt(body));
    }

    private static double? Ewt(JsonElement body) =>
        body.GetProperty("ewtSeconds").ValueKind == JsonValueKind.Number ? body.GetProperty("ewtSeconds").GetDouble() : null;

    [Fact]
    public async Task The_receipt_tells_the_place_the_core_gives_once_the_call_back_entered_and_that_is_the_order_served()
    {
        await using var host = await HelpApiHost.StartAsync();
        var dispatcher = Dispatcher(host);
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);

        // The first call-back is handed over and offered to alice at once; until she dials it the call-back list still
        // counts it as waiting, but it is no longer ahead of anyone in the core.
        var first = await AskAsync(host, "+15550101");
        await dispatcher.DispatchDueAsync(host.Time.GetUtcNow(), default);
        Assert.Equal(InteractionState.Offered, (await host.Engine.GetInteractionAsync(first.Id))!.Interaction.State);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await AskAsync(host, "+15550102");
        Assert.Equal(1, second.Position); // the call-back list's count said 2
        Assert.NotNull(second.Ewt);

        // Two more in the second before the scheduler's next poll: the earlier is still outside the core, yet ahead.
        host.Time.Advance(TimeSpan.FromSeconds(1));
        var third = await AskAsync(host, "+15550103");
        host.Time.Advance(TimeSpan.FromSeconds(1));
        var fourth = await AskAsync(host, "+15550104");
        Assert.Equal(2, third.Position);
        Assert.Equal(3, fourth.Position);
        Assert.Equal((3, fourth.Ewt), await StatusAsync(host, fourth.Id)); // status before the hand-over: the same answer

        await dispatcher.DispatchDueAsync(host.Time.GetUtcNow(), default);
        foreach (var told in new[] { second, third, fourth })
        {
            var core = (await host.Engine.GetInteractionAsync(told.Id))!;
            Assert.Equal(InteractionState.Queued, core.Interaction.State);
            Assert.Equal(told.Position, core.Position);
            Assert.Equal(told.Ewt, Math.Round(core.Ewt.Seconds!.Value));
            Assert.Equal((told.Position, told.Ewt), await StatusAsync(host, told.Id));
        }

        // Served in the order told: each time alice finishes, the one told "1" is offered and the others move up.
        var served = new List<string>();
        var current = first.Id;
        foreach (var next in new[] { second, third, fourth })
        {
            await host.Engine.AcceptOfferAsync("alice", current);
            await host.Engine.EndInteractionAsync(current, TimeSpan.Zero);
            await host.Engine.WrapUpDoneAsync("alice");
            Assert.Equal(InteractionState.Offered, (await host.Engine.GetInteractionAsync(next.Id))!.Interaction.State);
            served.Add(next.Id);
            current = next.Id;
        }
        Assert.Equal([second.Id, third.Id, fourth.Id], served);
    }

    [Fact]
    public async Task A_booked_call_back_is_told_position_0_and_the_time_until_it_is_due()
    {
        await using var host = await HelpApiHost.StartAsync();
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var at = HelpApiHost.T0.AddHours(2);
        using var response = await host.Http.PostAsync("/api/help-requests",
            Json($$"""{"number":"+15550105","topic":"sales","preferredTime":"{{at:yyyy-MM-ddTHH:mm}}Z"}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, body.GetProperty("position").GetInt32());
        Assert.Equal((at - HelpApiHost.T0).TotalSeconds, Ewt(body));
    }
}
