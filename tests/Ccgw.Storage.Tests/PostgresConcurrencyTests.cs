using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>
/// What only PostgreSQL can be asked: two daemons of a pair writing one database at once. The call-back writers'
/// advisory lock makes their transactions take turns as SQLite's single writer does.
/// </summary>
[Collection("postgres")]
public sealed class PostgresConcurrencyTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly PostgresEngine _engine = new(postgres);

    public Task InitializeAsync() => _engine.StartAsync();

    public Task DisposeAsync() => _engine.DisposeAsync().AsTask();

    [SkippableFact]
    public async Task Two_nodes_taking_the_same_customers_request_at_once_store_one_call_back()
    {
        Skip.IfNot(_engine.Available, "PostgreSQL is not installed (apt-get install postgresql)");
        var time = new ManualTimeProvider(T0);
        await using var a = new PostgresHelpRequestStore(_engine.Database, time);
        await using var b = new PostgresHelpRequestStore(_engine.Database, time);
        var policy = new CallbackQueuePolicy("sales", "Sales");

        var receipts = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? a : b).SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0, T0), policy).AsTask()));

        Assert.Single(receipts, r => r.Disposition == HelpRequestDisposition.Created);
        Assert.All(receipts, r => Assert.Equal(receipts[0].Callback!.Id, r.Callback!.Id));
        Assert.Single(await _engine.Callbacks(time).ListAsync());
    }

    [SkippableFact]
    public async Task Batches_over_the_same_call_backs_in_opposite_orders_do_not_deadlock()
    {
        Skip.IfNot(_engine.Available, "PostgreSQL is not installed (apt-get install postgresql)");
        var time = new ManualTimeProvider(T0);
        var repo = _engine.Callbacks(time);
        var ids = Enumerable.Range(0, 50).Select(i => $"cb{i:D2}").ToList();
        foreach (var id in ids)
            await repo.AddAsync(new CallbackRequest(id, "sales", InteractionChannel.Callback, "+15550100", T0, 0, T0, CallbackStatus.Scheduled));
        var reversed = Enumerable.Reverse(ids).ToList();

        // Without the lock taken first, each transaction would hold row locks the other one wants next.
        var started = await Task.WhenAll(
            repo.BeginAttemptsAsync(ids, T0).AsTask(),
            new PostgresCallbackRepository(_engine.Database, time).BeginAttemptsAsync(reversed, T0).AsTask());
        var outcomes = await Task.WhenAll(
            repo.RecordOutcomesAsync([.. ids.Select(id => new CallbackOutcome(id, CallbackStatus.Done, "connected"))]).AsTask(),
            repo.RecordOutcomesAsync([.. reversed.Select(id => new CallbackOutcome(id, CallbackStatus.Failed, "busy"))]).AsTask());

        Assert.Equal(ids.Count, started.Sum(s => s.Count));
        Assert.Equal(ids.Count, outcomes.Sum());
        Assert.All(await repo.ListAsync(), c => Assert.Equal(1, c.Attempts));
    }
}
