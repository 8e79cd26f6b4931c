using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

public sealed class SqliteCustomerRepositoryTests() : CustomerRepositoryTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresCustomerRepositoryTests(PostgresServerFixture postgres) : CustomerRepositoryTests(new PostgresEngine(postgres));

public abstract class CustomerRepositoryTests(EngineUnderTest engine) : EngineTests(engine)
{
    private ICustomerRepository Repo => Engine.Customers(TimeProvider.System);

    private static Customer Carol => new("carol", "Carol Clark", ["+15550100"], ["carol@localhost"],
        [new CustomerProduct("fibre-500", "Fibre 500")],
        [new CustomerOrder("A-1001", "shipped", new DateTimeOffset(2026, 11, 18, 15, 30, 0, TimeSpan.Zero), "fibre-500")],
        new PreferredContact(InteractionChannel.Im, "carol@localhost"));

    [SkippableFact]
    public async Task Customer_round_trips_and_is_found_by_phone_and_im_address()
    {
        await Repo.UpsertAsync(Carol);

        var byId = await Repo.GetAsync("carol");
        var byPhone = await Repo.FindByPhoneAsync("+15550100");
        var byIm = await Repo.FindByImAddressAsync("Carol@Localhost");

        Assert.NotNull(byId);
        Assert.Equal("Carol Clark", byId.Name);
        Assert.Equal(["+15550100"], byId.Phones);
        Assert.Equal("shipped", Assert.Single(byId.Orders).Status);
        Assert.Equal("fibre-500", Assert.Single(byId.Products).Code);
        Assert.Equal(InteractionChannel.Im, byId.PreferredContact?.Channel);
        Assert.Equal("carol", byPhone?.Id);
        Assert.Equal("carol", byIm?.Id);
        Assert.Null(await Repo.FindByPhoneAsync("+15559999"));
    }

    [SkippableFact]
    public async Task Upsert_replaces_phones_and_addresses()
    {
        await Repo.UpsertAsync(Carol);
        await Repo.UpsertAsync(Carol with { Phones = ["+15550199"], ImAddresses = [] });

        Assert.Null(await Repo.FindByPhoneAsync("+15550100"));
        Assert.Equal("carol", (await Repo.FindByPhoneAsync("+15550199"))?.Id);
        Assert.Null(await Repo.FindByImAddressAsync("carol@localhost"));
    }
}

public sealed class SqliteHistoryRepositoryTests() : HistoryRepositoryTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresHistoryRepositoryTests(PostgresServerFixture postgres) : HistoryRepositoryTests(new PostgresEngine(postgres));

public abstract class HistoryRepositoryTests(EngineUnderTest engine) : EngineTests(engine)
{
    private IInteractionHistoryRepository Repo => Engine.History();

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task Appending_twice_is_idempotent_and_updates_the_row()
    {
        var entry = new InteractionHistoryEntry("i1", InteractionChannel.Voice, "sales", "carol", "+15550100", "fibre", null,
            InteractionState.Queued, T0, null, null);
        var queued = new InteractionHistoryEvent("i1", 1, T0, "stateChanged", InteractionState.Queued, null, "sales", null);
        await Repo.AppendAsync(entry, [queued]);
        var offered = new InteractionHistoryEvent("i1", 2, T0.AddSeconds(3), "offerMade", InteractionState.Offered, "alice", "sales", null);
        await Repo.AppendAsync(entry with { State = InteractionState.Ended, AgentId = "alice", EndedAt = T0.AddMinutes(4) }, [queued, offered]);

        var events = await Repo.GetEventsAsync("i1");
        var row = Assert.Single(await Repo.QueryAsync(new InteractionHistoryQuery()));

        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
        Assert.Equal("alice", events[1].AgentId);
        Assert.Equal(InteractionState.Ended, row.State);
        Assert.Equal("alice", row.AgentId);
        Assert.Equal(T0.AddMinutes(4), row.EndedAt);
    }

    [SkippableFact]
    public async Task Query_filters_by_agent_customer_product_and_time_newest_first()
    {
        for (var i = 0; i < 6; i++)
            await Repo.AppendAsync(new InteractionHistoryEntry($"i{i}", InteractionChannel.Im, "billing",
                i % 2 == 0 ? "carol" : "dave", null, i < 3 ? "fibre" : "mobile", i % 3 == 0 ? "bob" : "alice",
                InteractionState.Ended, T0.AddMinutes(i), null, T0.AddMinutes(i + 1)), []);

        Assert.Equal(["i4", "i2", "i0"], (await Repo.QueryAsync(new(CustomerId: "carol"))).Select(e => e.InteractionId));
        Assert.Equal(["i3", "i0"], (await Repo.QueryAsync(new(AgentId: "bob"))).Select(e => e.InteractionId));
        Assert.Equal(["i5", "i4", "i3"], (await Repo.QueryAsync(new(Product: "mobile"))).Select(e => e.InteractionId));
        Assert.Equal(["i3", "i2"], (await Repo.QueryAsync(new(From: T0.AddMinutes(2), To: T0.AddMinutes(4)))).Select(e => e.InteractionId));
        Assert.Equal(2, (await Repo.QueryAsync(new(Limit: 2))).Count);
    }
}

public sealed class SqliteCallbackRepositoryTests() : CallbackRepositoryTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresCallbackRepositoryTests(PostgresServerFixture postgres) : CallbackRepositoryTests(new PostgresEngine(postgres));

public abstract class CallbackRepositoryTests(EngineUnderTest engine) : EngineTests(engine)
{
    private readonly ManualTimeProvider _time = new();
    private ICallbackRepository Repo => Engine.Callbacks(_time);

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private static CallbackRequest Request(string id, int minutes, int priority = 0, int startedMinutesAgo = 0) =>
        new(id, "sales", InteractionChannel.Callback, "+15550100", T0.AddMinutes(minutes), priority,
            T0.AddMinutes(-startedMinutesAgo), CallbackStatus.Scheduled, "carol", "https://example.com/pricing", "sales");

    [SkippableFact]
    public async Task Listing_is_by_scheduled_time_then_priority_then_original_start()
    {
        await Repo.AddAsync(Request("late", 30));
        await Repo.AddAsync(Request("early-low", 10, priority: 1, startedMinutesAgo: 50));
        await Repo.AddAsync(Request("early-high", 10, priority: 5));
        await Repo.AddAsync(Request("early-low-older", 10, priority: 1, startedMinutesAgo: 90));

        var list = await Repo.ListAsync();

        Assert.Equal(["early-high", "early-low-older", "early-low", "late"], list.Select(c => c.Id));
        Assert.Equal(["early-high", "early-low-older", "early-low"], (await Repo.ListAsync(dueBy: T0.AddMinutes(10))).Select(c => c.Id));
        var stored = list[0];
        Assert.Equal("https://example.com/pricing", stored.PageUrl);
        Assert.Equal(T0.AddMinutes(10), stored.ScheduledAt);
    }

    [SkippableFact]
    public async Task Supervisor_can_reprioritise_reschedule_and_cancel_pending_only()
    {
        await Repo.AddAsync(Request("a", 10));
        await Repo.AddAsync(Request("b", 20));

        Assert.True(await Repo.ReprioritiseAsync("b", 9));
        Assert.True(await Repo.RescheduleAsync("b", T0.AddMinutes(5)));
        Assert.Equal(["b", "a"], (await Repo.ListAsync()).Select(c => c.Id));
        Assert.Equal(9, (await Repo.GetAsync("b"))!.Priority);

        Assert.True(await Repo.CancelAsync("a"));
        Assert.Equal(CallbackStatus.Cancelled, (await Repo.GetAsync("a"))!.Status);
        Assert.False(await Repo.RescheduleAsync("a", T0), "a cancelled call-back cannot be rescheduled");
        Assert.False(await Repo.CancelAsync("missing"));
        Assert.Equal(["b"], (await Repo.ListAsync(statuses: [CallbackStatus.Scheduled])).Select(c => c.Id));
    }

    [SkippableFact]
    public async Task A_queued_call_back_waiting_in_the_core_can_be_reprioritised_and_cancelled_but_not_rescheduled()
    {
        await Repo.AddAsync(Request("q", 0));
        Assert.NotNull(await Repo.BeginAttemptAsync("q", T0));
        Assert.Equal(CallbackStatus.Queued, (await Repo.GetAsync("q"))!.Status);

        Assert.True(await Repo.ReprioritiseAsync("q", 4));
        Assert.Equal(4, (await Repo.GetAsync("q"))!.Priority);
        Assert.False(await Repo.RescheduleAsync("q", T0.AddHours(1)));
        Assert.True(await Repo.CancelAsync("q"));
        Assert.Equal(CallbackStatus.Cancelled, (await Repo.GetAsync("q"))!.Status);
        Assert.False(await Repo.BeginDiallingAsync("q"), "a cancelled call-back is never dialled");
    }

    [SkippableFact]
    public async Task Duplicate_id_is_refused()
    {
        await Repo.AddAsync(Request("a", 10));
        // The engine's own error (SqliteException, PostgresException): both are the provider's DbException.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(async () => await Repo.AddAsync(Request("a", 20)));
    }
}

public sealed class SqliteRegistrationBindingStoreTests() : RegistrationBindingStoreTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresRegistrationBindingStoreTests(PostgresServerFixture postgres) : RegistrationBindingStoreTests(new PostgresEngine(postgres));

public abstract class RegistrationBindingStoreTests(EngineUnderTest engine) : EngineTests(engine)
{
    private IRegistrationBindingStore Store => Engine.Bindings();

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task Replace_keeps_exactly_the_given_bindings_and_active_listing_skips_expired()
    {
        await Store.ReplaceAsync("sip:alice@localhost", [
            new("sip:alice@localhost", "sip:alice@127.0.0.1:5080", "c1", 2, T0.AddMinutes(5), null, "udp:127.0.0.1:5080"),
            new("sip:alice@localhost", "sip:alice@127.0.0.1:5090", "c2", 7, T0.AddMinutes(-1), "0.5", "tcp:127.0.0.1:40000"),
        ], default);
        await Store.ReplaceAsync("sip:bob@localhost", [new("sip:bob@localhost", "sip:bob@127.0.0.1:5100", "c3", 1, T0.AddHours(1), null, "udp:127.0.0.1:5100")], default);

        var alice = await Store.GetAsync("SIP:alice@localhost", default);
        Assert.Equal(["sip:alice@127.0.0.1:5080", "sip:alice@127.0.0.1:5090"], alice.Select(b => b.ContactUri));
        Assert.Equal("0.5", alice[1].Q);
        Assert.Equal(T0.AddMinutes(5), alice[0].ExpiresAt);
        Assert.Equal(["sip:alice@127.0.0.1:5080", "sip:bob@127.0.0.1:5100"], (await Store.ListActiveAsync(T0, default)).Select(b => b.ContactUri));

        await Store.ReplaceAsync("sip:alice@localhost", [], default);
        Assert.Empty(await Store.GetAsync("sip:alice@localhost", default));
        Assert.Single(await Store.GetAsync("sip:bob@localhost", default));
    }

    /// <summary>Issue 21: the registrar's group commit replaces several addresses' bindings in one call, one transaction.</summary>
    [SkippableFact]
    public async Task Replace_many_sets_each_address_in_one_call_and_removes_with_an_empty_list()
    {
        await Store.ReplaceAsync("sip:carol@localhost", [new("sip:carol@localhost", "sip:carol@127.0.0.1:5200", "c9", 1, T0.AddHours(1), null, "udp:127.0.0.1:5200")], default);
        await Store.ReplaceManyAsync([
            new("sip:alice@localhost", [
                new("sip:alice@localhost", "sip:alice@127.0.0.1:5080", "c1", 3, T0.AddMinutes(5), null, "udp:127.0.0.1:5080"),
                new("sip:alice@localhost", "sip:alice@127.0.0.1:5090", "c2", 4, T0.AddMinutes(6), "0.5", "udp:127.0.0.1:5090"),
            ]),
            new("sip:bob@localhost", [new("sip:bob@localhost", "sip:bob@127.0.0.1:5100", "c3", 1, T0.AddHours(1), null, "udp:127.0.0.1:5100")]),
            new("SIP:carol@localhost", []),
        ], default);

        Assert.Equal(["sip:alice@127.0.0.1:5080", "sip:alice@127.0.0.1:5090"], (await Store.GetAsync("sip:alice@localhost", default)).Select(b => b.ContactUri));
        Assert.Equal(1, Assert.Single(await Store.GetAsync("sip:bob@localhost", default)).CSeq);
        Assert.Empty(await Store.GetAsync("sip:carol@localhost", default));
        Assert.Equal(3, (await Store.ListActiveAsync(T0, default)).Count);
    }
}
