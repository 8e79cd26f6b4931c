using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>A queue's pending call-backs for consoles (<c>ccgw/queues/{queue}/callbacks</c>): order, counts, limit.</summary>
public sealed class SqliteCallbackListReaderTests() : CallbackListReaderTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresCallbackListReaderTests(PostgresServerFixture postgres) : CallbackListReaderTests(new PostgresEngine(postgres));

public abstract class CallbackListReaderTests(EngineUnderTest engine) : EngineTests(engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private ICallbackRepository Repo => Engine.Callbacks(new ManualTimeProvider(T0));
    private Core.Callbacks.ICallbackListReader Reader => Engine.ListReader();

    private static CallbackRequest Request(string id, int minutes, int priority = 0, int startedMinutesAgo = 0,
        CallbackStatus status = CallbackStatus.Scheduled, string queue = "sales") =>
        new(id, queue, InteractionChannel.Callback, "+15550100", T0.AddMinutes(minutes), priority, T0.AddMinutes(-startedMinutesAgo), status);

    [SkippableFact]
    public async Task Items_are_the_queues_pending_call_backs_in_list_order_and_the_counts_cover_them_all()
    {
        await Repo.AddAsync(Request("late", 30));
        await Repo.AddAsync(Request("due-low", -10, priority: 1, startedMinutesAgo: 50));
        await Repo.AddAsync(Request("due-high", -10, priority: 5));
        await Repo.AddAsync(Request("due-low-older", -10, priority: 1, startedMinutesAgo: 90));
        await Repo.AddAsync(Request("dialling", -20, status: CallbackStatus.Dialling));
        await Repo.AddAsync(Request("queued", -15, status: CallbackStatus.Queued));
        await Repo.AddAsync(Request("interrupted", 0, status: CallbackStatus.Interrupted));
        await Repo.AddAsync(Request("soon", 5));
        foreach (var status in new[] { CallbackStatus.Done, CallbackStatus.Cancelled, CallbackStatus.Failed, CallbackStatus.Connected })
            await Repo.AddAsync(Request(status.ToString(), -5, status: status));
        await Repo.AddAsync(Request("billing", -5, queue: "billing"));

        var list = await Reader.ReadQueueAsync("sales", T0, limit: 50);

        Assert.Equal("sales", list.QueueId);
        Assert.Equal(["dialling", "queued", "due-high", "due-low-older", "due-low", "interrupted", "soon", "late"], list.Items.Select(c => c.Id));
        Assert.Equal(8, list.Pending);
        Assert.Equal(6, list.DueNow);
        Assert.Equal(T0.AddMinutes(5), list.NextDueAt);
        Assert.Equal("+15550100", list.Items[0].Address);   // the reader returns rows as stored; the publisher leaves the address out
    }

    [SkippableFact]
    public async Task The_limit_cuts_the_items_not_the_counts()
    {
        for (var i = 0; i < 60; i++) await Repo.AddAsync(Request($"cb-{i:D2}", i - 30));

        var list = await Reader.ReadQueueAsync("sales", T0, limit: 50);

        Assert.Equal(50, list.Items.Count);
        Assert.Equal("cb-00", list.Items[0].Id);
        Assert.Equal("cb-49", list.Items[^1].Id);
        Assert.Equal(60, list.Pending);
        Assert.Equal(31, list.DueNow);
        Assert.Equal(T0.AddMinutes(1), list.NextDueAt);
    }

    [SkippableFact]
    public async Task An_empty_queue_has_no_items_and_nothing_coming_due()
    {
        var list = await Reader.ReadQueueAsync("sales", T0, limit: 50);
        Assert.Empty(list.Items);
        Assert.Equal(0, list.Pending);
        Assert.Equal(0, list.DueNow);
        Assert.Null(list.NextDueAt);
    }
}
