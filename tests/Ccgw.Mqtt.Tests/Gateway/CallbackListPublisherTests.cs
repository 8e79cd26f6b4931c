using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// The retained call-back lists on a manual clock: one publish per queue per burst of changes, the payload as read
/// (order, counts, the first 50 items) without the customer's address, and re-reads when a call-back falls due.
/// The lists come from a reader the test sets; the SQL behind the real one is tested in Ccgw.Storage.Tests.
/// </summary>
public sealed class CallbackListPublisherTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(T0);
    private readonly GatewayTests.RecordingLink _link = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CallbackListChanges _changes = new();
    private readonly SetLists _lists = new();
    private GatewayOutbox _outbox = null!;
    private CallbackListPublisher _publisher = null!;
    private Task _outboxRun = Task.CompletedTask;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _outbox = new GatewayOutbox(_link, NullLogger<GatewayOutbox>.Instance);
        _outboxRun = _outbox.RunAsync(_stop.Token);
        _publisher = new CallbackListPublisher(new CallbackListFeed(_changes, _lists, ["sales", "billing", "bad/queue"]), _outbox, _time,
            NullLogger<CallbackListPublisher>.Instance);
        await _publisher.StartAsync(_stop.Token);
        _run = _publisher.RunAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_outboxRun, _run);
        _publisher.Dispose();
        _stop.Dispose();
    }

    private static CallbackRequest Callback(string id, int minutes, int priority = 0, CallbackStatus status = CallbackStatus.Scheduled) =>
        new(id, "sales", InteractionChannel.Callback, "+15550123", T0.AddMinutes(minutes), priority, T0.AddMinutes(-30), status,
            CustomerId: "carol", PageUrl: "https://shop.example/p/1", Topic: "sales", Name: "Carol Clark", ImAddress: "carol@example.net",
            Attempts: 1, LastOutcome: "busy");

    private async Task<JsonElement> NextListAsync(string queue)
    {
        var message = await _link.NextAsync(m => m.Topic == $"ccgw/queues/{queue}/callbacks");
        Assert.True(message.Retain);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, message.Qos);
        var text = Encoding.UTF8.GetString(message.Payload.Span);
        Assert.DoesNotContain("+15550123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("carol@example.net", text, StringComparison.Ordinal);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Lets the publisher's window pass once it is waiting it out (its delay is the only timer armed).</summary>
    private async Task PassWindowAsync()
    {
        await WaitUntilAsync(() => _time.ActiveTimers == 1);
        _time.Advance(CallbackListPublisher.Window);
    }

    [Fact]
    public async Task Start_publishes_every_configured_queue_retained_and_skips_ids_that_are_not_a_topic_level()
    {
        var sales = await NextListAsync("sales");
        Assert.Equal("sales", sales.GetProperty("queue").GetString());
        Assert.Equal(0, sales.GetProperty("pending").GetInt32());
        Assert.Equal(0, sales.GetProperty("dueNow").GetInt32());
        Assert.Empty(sales.GetProperty("items").EnumerateArray());
        Assert.Equal("2026-11-22T09:00:00.000Z", sales.GetProperty("updatedAt").GetString());
        Assert.Equal("billing", (await NextListAsync("billing")).GetProperty("queue").GetString());
        Assert.Equal(["sales", "billing"], _lists.Reads.Keys);
    }

    [Fact]
    public async Task The_payload_carries_the_items_in_list_order_with_counts_and_no_address()
    {
        await NextListAsync("sales");
        var items = Enumerable.Range(0, CallbackListPublisher.MaxItems)
            .Select(i => Callback($"cb-{i:D2}", i - 5, priority: i % 3, status: i == 0 ? CallbackStatus.Dialling : CallbackStatus.Scheduled)).ToList();
        _lists.Set(new CallbackQueueList("sales", Pending: 60, DueNow: 6, items, NextDueAt: null));
        _changes.Changed("sales");
        await PassWindowAsync();

        var list = await NextListAsync("sales");
        Assert.Equal(CallbackListPublisher.MaxItems, _lists.LastLimit);
        Assert.Equal(60, list.GetProperty("pending").GetInt32());
        Assert.Equal(6, list.GetProperty("dueNow").GetInt32());
        var published = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(items.Select(c => c.Id), published.Select(i => i.GetProperty("id").GetString()));
        var first = published[0];
        Assert.Equal(
            ["id", "status", "scheduledAt", "priority", "attempts", "lastOutcome", "customerId", "name", "topic", "pageUrl"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("dialling", first.GetProperty("status").GetString());
        Assert.Equal("2026-11-22T08:55:00.000Z", first.GetProperty("scheduledAt").GetString());
        Assert.Equal("busy", first.GetProperty("lastOutcome").GetString());
        Assert.Equal("Carol Clark", first.GetProperty("name").GetString());
        Assert.Equal("https://shop.example/p/1", first.GetProperty("pageUrl").GetString());
        Assert.Equal(2, published[2].GetProperty("priority").GetInt32());
        Assert.Equal("2026-11-22T09:00:00.500Z", list.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task A_burst_of_changes_is_one_read_and_one_publish_of_the_queues_it_touched()
    {
        await NextListAsync("sales");
        await NextListAsync("billing");
        _lists.Set(new CallbackQueueList("sales", 2000, 2000, [Callback("cb-1", 0)], null));
        for (var i = 0; i < 2000; i++) _changes.Changed("sales");
        await PassWindowAsync();
        Assert.Equal(2000, (await NextListAsync("sales")).GetProperty("pending").GetInt32());

        // Billing changes after: once its list is out, anything sales still had pending would have gone out before it.
        _lists.Set(new CallbackQueueList("billing", 1, 1, [Callback("cb-2", 0) with { QueueId = "billing" }], null));
        _changes.Changed("billing");
        await PassWindowAsync();
        Assert.Equal(1, (await NextListAsync("billing")).GetProperty("pending").GetInt32());

        Assert.Equal(2, _link.Count("ccgw/queues/sales/callbacks"));
        Assert.Equal(2, _lists.Reads["sales"]);
        Assert.Equal(2, _lists.Reads["billing"]);
    }

    [Fact]
    public async Task A_list_read_again_unchanged_is_not_published_again()
    {
        await NextListAsync("sales");
        await NextListAsync("billing");
        _changes.ChangedAnywhere();   // e.g. a cancel that found nothing of these queues to change
        await PassWindowAsync();
        _lists.Set(new CallbackQueueList("billing", 1, 1, [Callback("cb-2", 0) with { QueueId = "billing" }], null));
        _changes.Changed("billing");
        await PassWindowAsync();
        await NextListAsync("billing");

        Assert.Equal(2, _lists.Reads["sales"]);
        Assert.Equal(3, _lists.Reads["billing"]);
        Assert.Equal(1, _link.Count("ccgw/queues/sales/callbacks"));
        Assert.Equal(2, _link.Count("ccgw/queues/billing/callbacks"));
    }

    [Fact]
    public async Task A_call_back_falling_due_republishes_the_list_without_any_write()
    {
        await NextListAsync("sales");
        _lists.Set(new CallbackQueueList("sales", 1, 0, [Callback("cb-later", 10)], T0.AddMinutes(10)));
        _changes.Changed("sales");
        await PassWindowAsync();
        Assert.Equal(0, (await NextListAsync("sales")).GetProperty("dueNow").GetInt32());

        _lists.Set(new CallbackQueueList("sales", 1, 1, [Callback("cb-later", 10)], null));
        await WaitUntilAsync(() => _time.ActiveTimers == 1);   // the queue's due-time timer alone
        _time.Advance(TimeSpan.FromMinutes(10) - CallbackListPublisher.Window);
        await PassWindowAsync();
        var due = await NextListAsync("sales");
        Assert.Equal(1, due.GetProperty("dueNow").GetInt32());
        Assert.Equal("2026-11-22T09:10:00.500Z", due.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task A_failed_read_is_tried_again_a_few_seconds_later()
    {
        await NextListAsync("sales");
        _lists.FailNext = true;
        _lists.Set(new CallbackQueueList("sales", 1, 1, [Callback("cb-1", 0)], null));
        _changes.Changed("sales");
        await PassWindowAsync();
        await WaitUntilAsync(() => _time.ActiveTimers == 1);   // the queue's timer, armed for the retry
        Assert.Equal(2, _lists.Reads["sales"]);

        _time.Advance(CallbackListPublisher.RetryAfterFailure);
        await PassWindowAsync();
        Assert.Equal(1, (await NextListAsync("sales")).GetProperty("pending").GetInt32());
        Assert.Equal(3, _lists.Reads["sales"]);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    /// <summary>Lists the test sets per queue (empty until set); counts reads per queue.</summary>
    private sealed class SetLists : ICallbackListReader
    {
        private readonly Dictionary<string, CallbackQueueList> _lists = new(StringComparer.Ordinal);

        public Dictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

        public int LastLimit { get; private set; }

        public bool FailNext { get; set; }

        public void Set(CallbackQueueList list)
        {
            lock (_lists) _lists[list.QueueId] = list;
        }

        public ValueTask<CallbackQueueList> ReadQueueAsync(string queueId, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
        {
            lock (_lists)
            {
                Reads[queueId] = Reads.GetValueOrDefault(queueId) + 1;
                LastLimit = limit;
                if (FailNext)
                {
                    FailNext = false;
                    throw new IOException("disk I/O error");
                }
                return ValueTask.FromResult(_lists.GetValueOrDefault(queueId) ?? new CallbackQueueList(queueId, 0, 0, [], null));
            }
        }
    }
}
