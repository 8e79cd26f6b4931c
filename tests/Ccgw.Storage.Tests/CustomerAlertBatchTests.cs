using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Tests;

/// <summary>The customer-alert watcher fed a burst of core events at once, against each engine's real alert store.</summary>
public abstract class CustomerAlertBatchTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    protected abstract ICustomerAlertStore NewStore();

    /// <summary>Waiting web alerts of queue "sales" written straight into the table, in one transaction.</summary>
    protected abstract Task InsertWaitingAsync(IReadOnlyList<(string Id, int Threshold, string At)> rows);

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [SkippableFact]
    public async Task A_burst_of_queue_figures_triggers_what_any_of_them_would_with_one_read_per_queue()
    {
        var alerts = new CountedAlerts(NewStore());
        await alerts.AddAsync(new CustomerAlert("a-120", "sales", TimeSpan.FromSeconds(120), AlertChannel.Web, null, T0));
        await alerts.AddAsync(new CustomerAlert("a-60", "sales", TimeSpan.FromSeconds(60), AlertChannel.Web, null, T0));
        var watcher = new CustomerAlertWatcher(alerts, new CustomerAlertOutbox());
        QueueStatsChanged Figures(string queue, double? ewt, int second) =>
            new(new QueueStats(queue, 0, 1, 0, new WaitEstimate(ewt, ewt, ewt, 0, 0), 0, 0, 0, null, T0.AddSeconds(second))) { At = T0.AddSeconds(second) };

        // The wait dipped to 100 s in the middle of the burst: the 120 s alert fires with that figure, the 60 s one does not.
        var triggered = await watcher.HandleAsync([Figures("sales", 600, 1), Figures("sales", 100, 2), Figures("billing", null, 2), Figures("sales", 900, 3)], default);

        var alert = Assert.Single(triggered);
        Assert.Equal(("a-120", 100.0, T0.AddSeconds(2)), (alert.Id, alert.EwtSecondsAtTrigger!.Value, alert.TriggeredAt!.Value));
        Assert.Equal(["sales"], alerts.Listed);
        Assert.Equal(CustomerAlertStatus.Waiting, (await alerts.GetAsync("a-60"))!.Status);
    }

    [SkippableFact]
    public async Task Every_due_alert_is_served_not_only_the_oldest_ten_thousand_waiting()
    {
        var store = NewStore();
        // 10,000 older alerts the wait never gets short enough for, then 1,001 that it does (more than a page).
        await InsertWaitingAsync([
            .. Enumerable.Range(0, 10_000).Select(i => ($"low-{i:D5}", 60, StoredTime.Write(T0.AddSeconds(i % 3600)))),
            .. Enumerable.Range(0, 1_001).Select(i => ($"due-{i:D5}", 600, StoredTime.Write(T0.AddHours(2))))]);
        var watcher = new CustomerAlertWatcher(store, new CustomerAlertOutbox());
        var at = T0.AddHours(3);
        var stats = new QueueStats("sales", 0, 1, 0, new WaitEstimate(300, 300, 300, 0, 0), 0, 0, 0, null, at);

        var triggered = await watcher.HandleAsync([new QueueStatsChanged(stats) { At = at }], default);

        Assert.Equal(1_001, triggered.Count);
        Assert.All(triggered, a => Assert.StartsWith("due-", a.Id, StringComparison.Ordinal));
        Assert.Equal(CustomerAlertStatus.Triggered, (await store.GetAsync("due-01000"))!.Status);
        Assert.Equal(CustomerAlertStatus.Waiting, (await store.GetAsync("low-00000"))!.Status);
    }

    [SkippableFact]
    public async Task Alerts_expire_after_a_day_and_are_counted_per_source()
    {
        var store = NewStore();
        await store.AddAsync(new CustomerAlert("old", "sales", TimeSpan.FromMinutes(10), AlertChannel.Web, null, T0) { Source = "192.0.2.7" });
        await store.AddAsync(new CustomerAlert("fresh", "sales", TimeSpan.FromMinutes(10), AlertChannel.Web, null, T0.AddHours(20)) { Source = "192.0.2.7" });
        Assert.Equal(2, await store.CountFromSourceAsync("192.0.2.7", T0.AddHours(-1)));
        Assert.Equal(0, await store.CountFromSourceAsync("192.0.2.8", T0.AddHours(-1)));

        // A day and more after the first: it is no longer served.
        var at = T0.AddHours(25);
        var stats = new QueueStats("sales", 0, 1, 0, new WaitEstimate(30, 30, 30, 0, 0), 0, 0, 0, null, at);
        var triggered = await new CustomerAlertWatcher(store, new CustomerAlertOutbox()).HandleAsync([new QueueStatsChanged(stats) { At = at }], default);
        Assert.Equal(["fresh"], triggered.Select(a => a.Id));

        // The next alert created deletes the expired one.
        await store.AddAsync(new CustomerAlert("next", "sales", TimeSpan.FromMinutes(10), AlertChannel.Web, null, at));
        Assert.Null(await store.GetAsync("old"));
        Assert.NotNull(await store.GetAsync("fresh"));
    }

    /// <summary>The real alert store, noting which queues' waiting alerts were read.</summary>
    private sealed class CountedAlerts(ICustomerAlertStore inner) : ICustomerAlertStore
    {
        public List<string> Listed { get; } = [];

        public ValueTask AddAsync(CustomerAlert alert, CancellationToken cancellationToken = default) => inner.AddAsync(alert, cancellationToken);

        public ValueTask<CustomerAlert?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<CustomerAlert>> ListWaitingAsync(string queueId, CancellationToken cancellationToken = default)
        {
            Listed.Add(queueId);
            return inner.ListWaitingAsync(queueId, cancellationToken);
        }

        public ValueTask<bool> TriggerAsync(string id, DateTimeOffset at, double ewtSeconds, CancellationToken cancellationToken = default) =>
            inner.TriggerAsync(id, at, ewtSeconds, cancellationToken);
    }
}

public sealed class SqliteCustomerAlertBatchTests : CustomerAlertBatchTests
{
    private readonly MigratedDatabase _db = new();
    protected override ICustomerAlertStore NewStore() => new SqliteCustomerAlertStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();

    protected override async Task InsertWaitingAsync(IReadOnlyList<(string Id, int Threshold, string At)> rows)
    {
        await using var c = await _db.Database.OpenAsync(default);
        await using var tx = await c.BeginTransactionAsync();
        await c.ExecuteAsync("""
            INSERT INTO customer_alerts (id, queue_id, threshold_seconds, channel, address, created_at, status)
            VALUES (@Id, 'sales', @Threshold, 'Web', NULL, @At, 'Waiting')
            """, rows.Select(r => new { r.Id, r.Threshold, r.At }), tx);
        await tx.CommitAsync();
    }
}

[Collection("postgres")]
public sealed class PostgresCustomerAlertBatchTests(PostgresServerFixture postgres) : CustomerAlertBatchTests
{
    private readonly MigratedPostgres _db = new(postgres);
    protected override ICustomerAlertStore NewStore() => new PostgresCustomerAlertStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();

    protected override async Task InsertWaitingAsync(IReadOnlyList<(string Id, int Threshold, string At)> rows)
    {
        // One statement over arrays: eleven thousand single-row round trips would be most of the test's time.
        await using var c = await _db.Database.OpenAsync(default);
        await c.ExecuteAsync("""
            INSERT INTO customer_alerts (id, queue_id, threshold_seconds, channel, address, created_at, status)
            SELECT id, 'sales', threshold, 'Web', NULL, at, 'Waiting' FROM unnest(@Ids, @Thresholds, @Ats) AS r(id, threshold, at)
            """, new { Ids = rows.Select(r => r.Id).ToArray(), Thresholds = rows.Select(r => r.Threshold).ToArray(), Ats = rows.Select(r => r.At).ToArray() });
    }

    [SkippableFact]
    public async Task Both_daemons_of_a_pair_triggering_one_alert_send_it_once()
    {
        await NewStore().AddAsync(new CustomerAlert("a-1", "sales", TimeSpan.FromSeconds(120), AlertChannel.Web, null, T0));
        await using var other = new PostgresDatabase(_db.ConnectionString);

        var won = await Task.WhenAll(
            NewStore().TriggerAsync("a-1", T0.AddSeconds(5), 100).AsTask(),
            new PostgresCustomerAlertStore(other).TriggerAsync("a-1", T0.AddSeconds(6), 90).AsTask());

        Assert.Single(won, w => w);
        Assert.Equal(CustomerAlertStatus.Triggered, (await NewStore().GetAsync("a-1"))!.Status);
    }
}
