using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>
/// The call-back list and help-request intake announce their writes on <see cref="CallbackListChanges"/>:
/// only writes that changed something, only after they returned, with the queue when the write knows it.
/// </summary>
public sealed class CallbackListSignalsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(T0);
    private readonly CallbackListChanges _changes = new();
    private TempDatabase _db = null!;
    private SignallingCallbackRepository _callbacks = null!;

    public async Task InitializeAsync()
    {
        _db = await TempDatabase.CreateAsync("ccgw-signals-");
        _callbacks = new SignallingCallbackRepository(new SqliteCallbackRepository(_db.Database, _time), _changes);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallbackRequest Request(string id, string queue = "sales") =>
        new(id, queue, InteractionChannel.Callback, "+15550123", T0, 0, T0, CallbackStatus.Scheduled);

    private CallbackListChange Taken() => _changes.Take();

    [Fact]
    public async Task Adding_and_starting_an_attempt_signal_their_queue()
    {
        await _callbacks.AddAsync(Request("cb-1", "billing"));
        var added = Taken();
        Assert.False(added.Anywhere);
        Assert.Equal(["billing"], added.Queues);

        Assert.NotNull(await _callbacks.BeginAttemptAsync("cb-1", T0));
        Assert.Equal(["billing"], Taken().Queues);
    }

    [Fact]
    public async Task Writes_by_id_signal_every_queue_when_they_changed_a_row_and_nothing_when_they_did_not()
    {
        await _callbacks.AddAsync(Request("cb-1"));
        Taken();

        Assert.True(await _callbacks.ReprioritiseAsync("cb-1", 5));
        Assert.True(Taken().Anywhere);
        Assert.True(await _callbacks.RescheduleAsync("cb-1", T0.AddMinutes(5)));
        Assert.True(Taken().Anywhere);
        Assert.True(await _callbacks.CancelAsync("cb-1"));
        Assert.True(Taken().Anywhere);

        Assert.False(await _callbacks.CancelAsync("cb-1"));
        Assert.False(await _callbacks.ReprioritiseAsync("missing", 1));
        Assert.Null(await _callbacks.BeginAttemptAsync("cb-1", T0));
        Assert.False(await _callbacks.BeginDiallingAsync("cb-1"));
        Assert.False(await _callbacks.RecordOutcomeAsync("cb-1", CallbackStatus.Done, "answered"));
        Assert.Empty(await _callbacks.CompletePendingForCustomerAsync(null, "+15550123", "inbound"));
        await _callbacks.ListAsync();
        await _callbacks.GetAsync("cb-1");
        var none = Taken();
        Assert.False(none.Anywhere);
        Assert.Empty(none.Queues);
    }

    [Fact]
    public async Task An_attempt_dialling_and_ending_signals_each_step()
    {
        await _callbacks.AddAsync(Request("cb-1"));
        await _callbacks.BeginAttemptAsync("cb-1", T0);
        Taken();

        Assert.True(await _callbacks.BeginDiallingAsync("cb-1"));
        Assert.True(Taken().Anywhere);
        Assert.True(await _callbacks.RecordOutcomeAsync("cb-1", CallbackStatus.Failed, "busy", retryAt: T0.AddMinutes(2)));
        Assert.True(Taken().Anywhere);
        Assert.Equal(["cb-1"], await _callbacks.CompletePendingForCustomerAsync(null, "+15550123", "inbound"));
        Assert.True(Taken().Anywhere);
        await _callbacks.RecoverInFlightAsync();
        Assert.True(Taken().Anywhere);
    }

    [Theory]
    [InlineData(HelpRequestDisposition.Created, true)]
    [InlineData(HelpRequestDisposition.Updated, true)]
    [InlineData(HelpRequestDisposition.InProgress, false)]
    [InlineData(HelpRequestDisposition.SlotFull, false)]
    public async Task A_help_request_signals_its_queue_only_when_it_stored_or_updated_a_call_back(HelpRequestDisposition disposition, bool signalled)
    {
        var stored = disposition == HelpRequestDisposition.SlotFull ? null : Request("cb-1");
        var store = new SignallingHelpRequestStore(new AnsweringStore(new HelpRequestReceipt(disposition, stored, 1)), _changes);

        var receipt = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550123", T0, T0), new CallbackQueuePolicy("sales", "Sales"));

        Assert.Equal(disposition, receipt.Disposition);
        string[] expected = signalled ? ["sales"] : [];
        Assert.Equal(expected, Taken().Queues);
    }

    /// <summary>An intake that answers every submission with one receipt.</summary>
    private sealed class AnsweringStore(HelpRequestReceipt receipt) : IHelpRequestStore
    {
        public ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(receipt);

        public ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default) => ValueTask.FromResult(1);

        public ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to,
            CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<SlotUsage>>([]);
    }
}
