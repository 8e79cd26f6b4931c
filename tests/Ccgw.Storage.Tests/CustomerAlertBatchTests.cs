using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>The customer-alert watcher fed a burst of core events at once, against the real SQLite alert store.</summary>
public sealed class CustomerAlertBatchTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly MigratedDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_burst_of_queue_figures_triggers_what_any_of_them_would_with_one_read_per_queue()
    {
        var alerts = new CountedAlerts(new SqliteCustomerAlertStore(_db.Database));
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
