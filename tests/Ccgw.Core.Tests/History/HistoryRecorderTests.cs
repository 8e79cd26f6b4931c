using Ccgw.Configuration;
using Ccgw.Core.History;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.History;

/// <summary>The real engine feeding the real SQLite history through the recorder.</summary>
public sealed class HistoryRecorderTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-history-").FullName;
    private SqliteDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir, "ccgw.db"));
        await _db.InitializeAsync(default);
        await new MigrationRunner(_db, TimeProvider.System).ApplyAsync(default);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_lifecycle_step_of_an_interaction_lands_in_history()
    {
        var options = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>()).Options;
        var time = new ManualTimeProvider();
        var engine = new RoutingEngine(CoreDefinitions.From(options), time);
        var history = new SqliteInteractionHistoryRepository(_db);
        var recorder = new HistoryRecorder(engine, history, NullLogger<HistoryRecorder>.Instance);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var recording = recorder.RunAsync(stop.Token);

        await engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var submitted = await engine.SubmitInteractionAsync(new InteractionRequest
        {
            Channel = InteractionChannel.Voice, QueueId = "billing", CustomerId = "carol", Address = "+15550100", Product = "fibre-500",
        });
        Assert.Equal("bob", submitted.AgentId);
        await engine.AcceptOfferAsync("bob", submitted.InteractionId);
        await engine.MarkConnectedAsync(submitted.InteractionId);
        await engine.EndInteractionAsync(submitted.InteractionId);

        var events = await WaitForAsync(async () => await history.GetEventsAsync(submitted.InteractionId),
            e => e.Any(x => x.State == InteractionState.WrapUp));
        var row = Assert.Single(await history.QueryAsync(new(AgentId: "bob")));

        Assert.Contains(events, e => e.Kind == "offerMade" && e.AgentId == "bob");
        Assert.Contains(events, e => e.Kind == "offerAccepted");
        Assert.Contains(events, e => e.State == InteractionState.Connected);
        Assert.Equal("carol", row.CustomerId);
        Assert.Equal("fibre-500", row.Product);
        Assert.True(events.Select(e => e.Sequence).SequenceEqual(events.Select(e => e.Sequence).Order()));

        await stop.CancelAsync();
        await recording;
        await loop;
    }

    [Fact]
    public async Task A_refused_batch_is_written_event_by_event()
    {
        var options = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>()).Options;
        var engine = new RoutingEngine(CoreDefinitions.From(options), new ManualTimeProvider());
        var history = new SqliteInteractionHistoryRepository(_db);
        var refusing = new BatchRefusingHistory(history);
        var recorder = new HistoryRecorder(engine, refusing, NullLogger<HistoryRecorder>.Instance);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var recording = recorder.RunAsync(stop.Token);

        var submitted = await engine.SubmitInteractionAsync(new InteractionRequest
        {
            Channel = InteractionChannel.Voice, QueueId = "billing", CustomerId = "carol", Address = "+15550100",
        });
        await engine.AbandonInteractionAsync(submitted.InteractionId, "hung up");

        var events = await WaitForAsync(async () => await history.GetEventsAsync(submitted.InteractionId),
            e => e.Any(x => x.State == InteractionState.Abandoned));
        Assert.True(refusing.BatchesRefused > 0);
        Assert.Contains(events, e => e.State == InteractionState.Queued);
        Assert.Contains(events, e => e.State == InteractionState.Abandoned);

        await stop.CancelAsync();
        await recording;
        await loop;
    }

    /// <summary>Fault injection: the real store, except that every multi-event transaction fails.</summary>
    private sealed class BatchRefusingHistory(IInteractionHistoryRepository inner) : IInteractionHistoryRepository
    {
        public int BatchesRefused { get; private set; }

        public ValueTask AppendAsync(InteractionHistoryEntry entry, IReadOnlyList<InteractionHistoryEvent> events, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(entry, events, cancellationToken);

        public ValueTask AppendAsync(IReadOnlyList<InteractionHistoryAppend> appends, CancellationToken cancellationToken = default)
        {
            BatchesRefused++;
            throw new Microsoft.Data.Sqlite.SqliteException("disk I/O error (injected)", 10);
        }

        public ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(query, cancellationToken);

        public ValueTask<IReadOnlyList<InteractionHistoryEvent>> GetEventsAsync(string interactionId, CancellationToken cancellationToken = default) =>
            inner.GetEventsAsync(interactionId, cancellationToken);
    }

    /// <summary>The recorder writes asynchronously; poll the store (bounded) rather than sleep a fixed time.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (var i = 0; i < 500; i++)
        {
            var value = await read();
            if (done(value)) return value;
            await Task.Yield();
            await Task.Delay(10);
        }
        return await read();
    }
}
