using Ccgw.Core.Callbacks;

namespace Ccgw.Core.Tests;

/// <summary>The call-back list's change signal: signals collapse per queue until taken, and none is lost.</summary>
public sealed class CallbackListChangesTests
{
    [Fact]
    public async Task Many_signals_collapse_into_one_set_of_queues_and_taking_them_starts_anew()
    {
        var changes = new CallbackListChanges();
        for (var i = 0; i < 2000; i++) changes.Changed(i % 2 == 0 ? "sales" : "billing");

        await changes.WhenChangedAsync(CancellationToken.None);   // already changed: completes at once
        var taken = changes.Take();

        Assert.False(taken.Anywhere);
        Assert.Equal(["billing", "sales"], taken.Queues.Order(StringComparer.Ordinal));
        Assert.True(taken.Includes("sales"));
        Assert.False(taken.Includes("support"));
        var empty = changes.Take();
        Assert.False(empty.Anywhere);
        Assert.Empty(empty.Queues);
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_the_next_signal_and_sees_it()
    {
        var changes = new CallbackListChanges();
        var waiting = changes.WhenChangedAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        changes.Changed("sales");
        await waiting;

        Assert.Equal(["sales"], changes.Take().Queues);
        Assert.False(changes.WhenChangedAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task A_change_of_unknown_queue_includes_every_queue()
    {
        var changes = new CallbackListChanges();
        var waiting = changes.WhenChangedAsync(CancellationToken.None);
        changes.ChangedAnywhere();
        await waiting;

        var taken = changes.Take();
        Assert.True(taken.Anywhere);
        Assert.True(taken.Includes("sales"));
        Assert.True(taken.Includes("billing"));
        Assert.False(changes.Take().Anywhere);
    }

    [Fact]
    public async Task Waiting_can_be_cancelled_and_a_later_wait_still_sees_the_next_signal()
    {
        var changes = new CallbackListChanges();
        using var cancel = new CancellationTokenSource();
        var cancelled = changes.WhenChangedAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        var next = changes.WhenChangedAsync(CancellationToken.None);
        changes.Changed("billing");
        await next;
        Assert.Equal(["billing"], changes.Take().Queues);
    }
}
