using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

public sealed class SqliteHelpRequestIntakeTests() : HelpRequestIntakeTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresHelpRequestIntakeTests(PostgresServerFixture postgres) : HelpRequestIntakeTests(new PostgresEngine(postgres));

/// <summary>
/// The durable intake of help requests on either engine: receipts and positions, positions after other writers' commits,
/// merging, interrupted call-backs, the dial-out caps and aliases.
/// </summary>
public abstract class HelpRequestIntakeTests(EngineUnderTest engine) : EngineTests(engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallbackQueuePolicy Sales = new("sales", "Sales");

    private readonly ManualTimeProvider _time = new(T0);

    [SkippableFact]
    public async Task Each_receipt_has_the_position_the_status_query_gives()
    {
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var receipts = new List<HelpRequestReceipt>();
        for (var i = 0; i < 5; i++)
        {
            receipts.Add(await store.SubmitAsync(Now($"+1555010{i}"), Sales));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([1, 2, 3, 4, 5], receipts.Select(r => r.Position));
        foreach (var r in receipts) Assert.Equal(r.Position, await store.PositionAsync(r.Callback!));
    }

    [SkippableFact]
    public async Task Positions_follow_what_other_connections_commit_between_batches()
    {
        var callbacks = Engine.Callbacks(_time);
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var first = await store.SubmitAsync(Now("+15550100"), Sales);
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await store.SubmitAsync(Now("+15550101"), Sales);
        _time.Advance(TimeSpan.FromSeconds(1));

        // The scheduler dials the first (no longer counted); the IVR adds two with a higher priority.
        Assert.NotNull(await callbacks.BeginAttemptAsync(first.Callback!.Id, _time.GetUtcNow()));
        Assert.True(await callbacks.BeginDiallingAsync(first.Callback.Id));
        foreach (var id in new[] { "ivr1", "ivr2" })
            await callbacks.AddAsync(new CallbackRequest(id, "sales", InteractionChannel.Callback, "+15550199", _time.GetUtcNow(), 5,
                _time.GetUtcNow(), CallbackStatus.Scheduled));
        var third = await store.SubmitAsync(Now("+15550102"), Sales);

        Assert.Equal(2, second.Position);
        Assert.Equal(4, third.Position);
        Assert.Equal(4, await store.PositionAsync(third.Callback!));
    }

    [SkippableFact]
    public async Task A_request_booked_for_later_counts_once_its_time_has_come()
    {
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var later = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0.AddMinutes(10), T0), Sales);
        var now = await store.SubmitAsync(Now("+15550101"), Sales);
        _time.Advance(TimeSpan.FromMinutes(10));
        var after = await store.SubmitAsync(Now("+15550102"), Sales);

        Assert.Equal(0, later.Position);
        Assert.Equal(1, now.Position);
        // The booked one asked first (original start T0), so it is served before the new one.
        Assert.Equal(3, after.Position);
        Assert.Equal(1, await store.PositionAsync(later.Callback!));
    }

    [SkippableFact]
    public async Task A_second_request_for_the_same_customer_from_another_number_merges_into_the_first()
    {
        await Engine.ExecuteAsync("""
                INSERT INTO customers (id, name, updated_at) VALUES ('carol', 'Carol', '2026-11-23T09:00:00.0000000Z');
                INSERT INTO customer_phones (phone, customer_id) VALUES ('+15550100', 'carol'), ('+15550111', 'carol');
                """);
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var first = await store.SubmitAsync(Now("+15550100"), Sales);
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await store.SubmitAsync(Now("+15550111") with { Name = "Carol C." }, Sales);
        var other = await store.SubmitAsync(Now("+15550122"), Sales);

        Assert.Equal(HelpRequestDisposition.Created, first.Disposition);
        Assert.Equal(HelpRequestDisposition.Updated, second.Disposition);
        Assert.Equal(first.Callback!.Id, second.Callback!.Id);
        Assert.Equal("carol", second.Callback.CustomerId);
        Assert.Equal("Carol C.", second.Callback.Name);
        Assert.Equal(T0, second.Callback.OriginalStartedAt);
        Assert.Equal(1, second.Position);
        Assert.Equal(2, other.Position);
    }

    [SkippableFact]
    public async Task An_interrupted_call_back_asked_for_again_stays_interrupted_and_is_not_counted()
    {
        // Issue 16: an interrupted attempt may have rung the customer when the daemon died; only a person redials it,
        // however often the form is sent again.
        var callbacks = Engine.Callbacks(_time);
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var first = await store.SubmitAsync(Now("+15550100"), Sales);
        Assert.True(await callbacks.SetStatusAsync(first.Callback!.Id, CallbackStatus.Interrupted));
        _time.Advance(TimeSpan.FromSeconds(1));
        var other = await store.SubmitAsync(Now("+15550101"), Sales);
        var again = await store.SubmitAsync(Now("+15550100"), Sales);
        var last = await store.SubmitAsync(Now("+15550102"), Sales);

        Assert.Equal(1, other.Position);
        Assert.Equal(HelpRequestDisposition.Updated, again.Disposition);
        Assert.Equal(CallbackStatus.Interrupted, again.Callback!.Status);
        Assert.Equal(CallbackStatus.Interrupted, (await callbacks.GetAsync(first.Callback.Id))!.Status);
        Assert.Equal(0, again.Position);
        Assert.Equal(2, last.Position);
        Assert.NotNull(again.AliasId);
        Assert.NotEqual(first.Callback.Id, again.PublicId);
    }

    [SkippableFact]
    public async Task The_eleventh_request_for_one_number_within_a_day_is_refused_and_the_cap_frees_up_a_day_later()
    {
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var policy = Sales with { DialOut = new DialOutPolicy { TrunkId = "pbx" } };
        for (var i = 0; i < 10; i++)
        {
            var ok = await store.SubmitAsync(Now("+15550100"), i % 2 == 0 ? policy : policy with { QueueId = "billing" });
            Assert.NotEqual(HelpRequestDisposition.Refused, ok.Disposition);
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        var eleventh = await store.SubmitAsync(Now("+15550100"), policy);
        Assert.Equal(HelpRequestDisposition.Refused, eleventh.Disposition);
        Assert.Equal(DialOutRule.PerNumber, eleventh.Rule);
        Assert.Null(eleventh.Callback);
        Assert.NotEqual(HelpRequestDisposition.Refused, (await store.SubmitAsync(Now("+15550101"), policy)).Disposition);

        // 24 hours after the first: it no longer counts.
        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(9));
        Assert.NotEqual(HelpRequestDisposition.Refused, (await store.SubmitAsync(Now("+15550100"), policy)).Disposition);
    }

    [SkippableFact]
    public async Task Per_source_caps_and_topic_budgets_are_counted_in_the_intake_transaction()
    {
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var policy = Sales with
        {
            DialOut = new DialOutPolicy
            {
                TrunkId = "pbx",
                MaxPerSourcePerDay = 3,
                TopicDailyBudget = new Dictionary<string, int>(StringComparer.Ordinal) { ["sales"] = 4 },
            },
        };
        // One batch: requests in it see each other.
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            store.SubmitAsync(Now($"+1555020{i}") with { Source = "192.0.2.7" }, policy).AsTask()));
        Assert.Equal(3, burst.Count(r => r.Disposition == HelpRequestDisposition.Created));
        Assert.Equal(DialOutRule.PerSource, Assert.Single(burst, r => r.Disposition == HelpRequestDisposition.Refused).Rule);

        Assert.Equal(HelpRequestDisposition.Created, (await store.SubmitAsync(Now("+15550300") with { Source = "192.0.2.8" }, policy)).Disposition);
        var overBudget = await store.SubmitAsync(Now("+15550301") with { Source = "192.0.2.9" }, policy);
        Assert.Equal(DialOutRule.TopicBudget, overBudget.Rule);
    }

    [SkippableFact]
    public async Task A_merged_request_gets_an_alias_that_resolves_to_the_call_back_with_its_attempts_so_far()
    {
        var callbacks = Engine.Callbacks(_time);
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var first = await store.SubmitAsync(Now("+15550100"), Sales);
        Assert.NotNull(await callbacks.BeginAttemptAsync(first.Callback!.Id, _time.GetUtcNow()));
        Assert.True(await callbacks.RecordOutcomeAsync(first.Callback.Id, CallbackStatus.Scheduled, "busy", _time.GetUtcNow().AddMinutes(5)));
        var again = await store.SubmitAsync(Now("+15550100"), Sales);

        Assert.Null(first.AliasId);
        Assert.Equal(first.Callback.Id, first.PublicId);
        Assert.Equal(HelpRequestDisposition.Updated, again.Disposition);
        Assert.Equal(new CallbackAlias(first.Callback.Id, 1), await store.AliasAsync(again.AliasId!));
        Assert.Null(await store.AliasAsync(first.Callback.Id));
    }

    private HelpRequestSubmission Now(string number) => new("sales", number, _time.GetUtcNow(), _time.GetUtcNow());
}
