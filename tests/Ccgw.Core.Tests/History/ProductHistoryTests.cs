using Ccgw.Configuration;
using Ccgw.Core.History;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.History;

/// <summary>Issue 15, product attribution: what the agent names reaches history, and history "by product" finds it.</summary>
public sealed class ProductHistoryTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-product-").FullName;
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
    public async Task The_agent_holding_an_interaction_names_its_product_and_history_by_product_finds_it()
    {
        var options = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>()).Options;
        var engine = new RoutingEngine(CoreDefinitions.From(options), new ManualTimeProvider());
        var history = new SqliteInteractionHistoryRepository(_db);
        var recorder = new HistoryRecorder(engine, history, NullLogger<HistoryRecorder>.Instance);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var recording = recorder.RunAsync(stop.Token);

        await engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var submitted = await engine.SubmitInteractionAsync(new InteractionRequest
        {
            Channel = InteractionChannel.Voice, QueueId = "billing", CustomerId = "carol", Address = "+15550100",
        });
        var id = submitted.InteractionId;
        Assert.Equal("bob", submitted.AgentId);
        await engine.AcceptOfferAsync("bob", id);
        await engine.MarkConnectedAsync(id);

        Assert.Equal(CommandStatus.NotFound, (await engine.SetProductAsync("bob", "nope", "fibre-500")).Status);
        Assert.Equal(CommandStatus.InvalidState, (await engine.SetProductAsync("alice", id, "fibre-500")).Status); // not hers
        Assert.Equal(CommandStatus.InvalidState, (await engine.SetProductAsync("bob", id, "  ")).Status);
        Assert.True((await engine.SetProductAsync("bob", id, "fibre-500")).IsOk);
        Assert.Equal("fibre-500", (await engine.GetInteractionAsync(id))!.Interaction.Request.Product);

        // Named while connected, the product rides on the next state change (wrap-up) into history.
        await engine.EndInteractionAsync(id);
        var rows = await WaitForAsync(() => history.QueryAsync(new(Product: "fibre-500")).AsTask(), r => r.Count > 0);
        Assert.Equal(id, Assert.Single(rows).InteractionId);

        // In wrap-up the agent may still correct it; the end of wrap-up records the correction.
        Assert.True((await engine.SetProductAsync("bob", id, "mobile-plus")).IsOk);
        await engine.WrapUpDoneAsync("bob", id);
        var corrected = await WaitForAsync(() => history.QueryAsync(new(Product: "mobile-plus")).AsTask(), r => r.Count > 0);
        Assert.Equal(id, Assert.Single(corrected).InteractionId);

        await stop.CancelAsync();
        await recording;
        await loop;
    }

    /// <summary>The recorder writes asynchronously; poll the store (bounded), as HistoryRecorderTests does.</summary>
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
