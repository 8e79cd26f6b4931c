using Ccgw.Core.Kpi;
using Ccgw.Core.Repositories;
using Ccgw.Storage;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Kpi;

/// <summary>Call-back KPIs over the real SQLite list: the gauge follows the list's live statuses, outcomes are counted once each with bounded labels.</summary>
public sealed class CallbackKpisTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-cbkpi-").FullName;
    private readonly ManualTimeProvider _time = new(T0);
    private SqliteDatabase _db = null!;
    private SqliteCallbackRepository _list = null!;
    private CallbackKpis _kpis = null!;
    private MeteredCallbackRepository _metered = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir, "ccgw.db"));
        await _db.InitializeAsync(default);
        await new MigrationRunner(_db, TimeProvider.System).ApplyAsync(default);
        _list = new SqliteCallbackRepository(_db, _time);
        _kpis = new CallbackKpis(_list, _time, ["sales", "billing"], null, NullLogger<CallbackKpis>.Instance);
        _metered = new MeteredCallbackRepository(_list, _kpis);
    }

    public Task DisposeAsync()
    {
        _kpis.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_gauge_follows_the_list_and_each_outcome_is_counted_once_by_queue()
    {
        await AddAsync("cb-1", "sales");
        await AddAsync("cb-2", "sales");
        await AddAsync("cb-3", "billing");
        await _kpis.RefreshAsync(default);
        Assert.Equal(2, _kpis.Read().Counts[("sales", CallbackStatus.Scheduled)]);
        Assert.Equal(1, _kpis.Read().Counts[("billing", CallbackStatus.Scheduled)]);

        Assert.NotNull(await _metered.BeginAttemptAsync("cb-1", T0));
        Assert.True(await _metered.RecordOutcomeAsync("cb-1", CallbackStatus.Connected, "connected"));
        await _kpis.RefreshAsync(default);
        Assert.Equal(1, _kpis.Read().Counts[("sales", CallbackStatus.Connected)]);
        Assert.Empty(_kpis.Read().Outcomes); // connected is on the way, not an outcome

        Assert.True(await _metered.RecordOutcomeAsync("cb-1", CallbackStatus.Done, "answered"));
        Assert.True(await _metered.CancelAsync("cb-2"));
        Assert.False(await _metered.CancelAsync("cb-2")); // already cancelled: not counted again
        Assert.NotNull(await _metered.BeginAttemptAsync("cb-3", T0));
        Assert.Equal(1, await _metered.RecordOutcomesAsync([new CallbackOutcome("cb-3", CallbackStatus.Scheduled, "noAnswer", T0.AddMinutes(5))]));
        await _metered.CompletePendingForCustomerAsync(null, "+15550199", "reachedAgent:abc-42");
        await _kpis.RefreshAsync(default);

        var (counts, outcomes) = _kpis.Read();
        Assert.Equal(1, outcomes[("sales", "answered")]);
        Assert.Equal(1, outcomes[("sales", "cancelled")]);
        Assert.Equal(1, outcomes[("billing", "no_answer")]);
        Assert.Equal(1, outcomes[("billing", "reached_agent")]); // never the interaction id as a label
        Assert.Equal(4, outcomes.Count);
        Assert.Empty(counts);
    }

    [Fact]
    public void Outcome_labels_are_a_fixed_set()
    {
        Assert.Equal("no_answer", CallbackKpis.OutcomeName("noAnswer"));
        Assert.Equal("dial_out_refused", CallbackKpis.OutcomeName("dialOutRefused"));
        Assert.Equal("reached_agent", CallbackKpis.OutcomeName("reachedAgent:0f3c-17"));
        Assert.Equal("other", CallbackKpis.OutcomeName("+15550199 said no"));
    }

    private Task AddAsync(string id, string queue) => _list.AddAsync(new CallbackRequest(id, queue, InteractionChannel.Callback, "+15550199",
        T0.AddMinutes(1), 0, T0.AddMinutes(-10), CallbackStatus.Scheduled)).AsTask();
}
