using Ccgw.Core.Pair;
using Ccgw.Core.Repositories;
using Ccgw.Testing;

namespace Ccgw.Core.Tests.Pair;

/// <summary>
/// The pair's state machine (Standby → Active → Fenced) on a manual clock, against an in-memory lease with the same rule
/// as the PostgreSQL one (expired or ours; renew only with our token). The real database's two contenders are in
/// Ccgw.Storage.Tests (PostgresLeaseStoreTests).
/// </summary>
public sealed class PairLeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(3);
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public async Task A_standby_takes_a_free_lease_with_a_new_token_and_renews_it()
    {
        var store = new FakeLeaseStore(_time);
        var a = new PairLease(store, "a", Lease, Renew, _time);
        Assert.Equal(PairRole.Standby, a.Role);
        Assert.False(a.HoldsLease);

        var step = await a.StepAsync(default);

        Assert.Equal(PairRole.Active, step.After);
        Assert.True(step.Changed);
        Assert.True(a.HoldsLease);
        Assert.Equal(1, a.Token);
        Assert.Equal(1, a.Takeovers);
        _time.Advance(Renew);
        Assert.Equal(PairRole.Active, (await a.StepAsync(default)).After);
        Assert.Equal(1, a.Token); // renewing keeps the token
        Assert.Equal(1, a.Takeovers);
    }

    [Fact]
    public async Task Exactly_one_of_two_contenders_becomes_active_and_the_other_sees_the_holder()
    {
        var store = new FakeLeaseStore(_time);
        var a = new PairLease(store, "a", Lease, Renew, _time);
        var b = new PairLease(store, "b", Lease, Renew, _time);

        await a.StepAsync(default);
        var step = await b.StepAsync(default);

        Assert.Equal(PairRole.Active, a.Role);
        Assert.Equal(PairRole.Standby, step.After);
        Assert.Equal("held by a", step.Reason);
        Assert.Equal("a", b.LastSeen!.Holder);
    }

    [Fact]
    public async Task The_standby_takes_over_once_the_active_stops_renewing_and_the_old_holder_is_fenced()
    {
        var store = new FakeLeaseStore(_time);
        var a = new PairLease(store, "a", Lease, Renew, _time);
        var b = new PairLease(store, "b", Lease, Renew, _time);
        await a.StepAsync(default);

        // a stops renewing (killed, paused or cut off); b polls every renew interval.
        for (var elapsed = TimeSpan.Zero; elapsed < Lease; elapsed += Renew)
        {
            Assert.Equal(PairRole.Standby, (await b.StepAsync(default)).After);
            _time.Advance(Renew);
        }
        var takeover = await b.StepAsync(default);

        Assert.Equal(PairRole.Active, takeover.After);
        Assert.Equal(2, b.Token);
        // a never renewed: its own deadline already fenced it, before b could take over.
        Assert.False(a.HoldsLease);
        Assert.Equal(PairRole.Fenced, a.Role);
    }

    [Fact]
    public async Task An_old_holder_whose_renewal_is_refused_is_fenced_even_within_its_own_deadline()
    {
        var store = new FakeLeaseStore(_time);
        var a = new PairLease(store, "a", Lease, Renew, _time);
        await a.StepAsync(default);
        store.Steal("b"); // an operator's forced handover, or a's pause seen from the database

        var step = await a.StepAsync(default);

        Assert.Equal(PairRole.Fenced, step.After);
        Assert.Contains("held by b with token 2, ours was 1", step.Reason, StringComparison.Ordinal);
        Assert.False(a.HoldsLease);
        // Fenced is terminal for the process: it does not try to take the lease again.
        _time.Advance(Lease * 2);
        Assert.Equal(PairRole.Fenced, (await a.StepAsync(default)).After);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task A_failed_renewal_keeps_the_node_active_until_its_deadline_then_fences_it()
    {
        var store = new FakeLeaseStore(_time);
        var a = new PairLease(store, "a", Lease, Renew, _time);
        await a.StepAsync(default);
        store.Unreachable = true;

        _time.Advance(Renew);
        var failed = await a.StepAsync(default);
        Assert.Equal(PairRole.Active, failed.After);
        Assert.NotNull(failed.Failure);
        Assert.Equal(Renew, a.NextStepDue); // next step: a renew interval, well before the deadline

        _time.Advance(Lease - Renew - TimeSpan.FromMilliseconds(1));
        Assert.True(a.HoldsLease);
        Assert.Equal(TimeSpan.FromMilliseconds(1), a.NextStepDue); // the keeper wakes at the deadline itself
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(a.HoldsLease);
        Assert.Equal(PairRole.Fenced, (await a.StepAsync(default)).After);
    }

    [Fact]
    public async Task The_local_deadline_counts_from_when_the_renewal_was_sent_not_when_it_came_back()
    {
        var store = new FakeLeaseStore(_time) { Latency = TimeSpan.FromSeconds(2) };
        var a = new PairLease(store, "a", Lease, Renew, _time);
        await a.StepAsync(default); // sent at 0, answered at 2 s: the database's expiry is at least 10 s

        _time.Advance(Lease - TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.True(a.HoldsLease);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(a.HoldsLease); // at 10 s after sending, never later than the database's expiry
    }

    [Fact]
    public async Task An_unreachable_database_keeps_a_standby_standby()
    {
        var store = new FakeLeaseStore(_time) { Unreachable = true };
        var b = new PairLease(store, "b", Lease, Renew, _time);

        var step = await b.StepAsync(default);

        Assert.Equal(PairRole.Standby, step.After);
        Assert.NotNull(step.Failure);
        Assert.Equal(Renew, b.NextStepDue);
    }

    /// <summary>The lease rule of ccgw_lease, with the manual clock as the database clock.</summary>
    private sealed class FakeLeaseStore(ManualTimeProvider time) : ILeaseStore
    {
        private string _holder = "";
        private long _token;
        private DateTimeOffset _renewed = DateTimeOffset.MinValue;
        private DateTimeOffset _expires = DateTimeOffset.MinValue;

        public bool Unreachable { get; set; }
        public TimeSpan Latency { get; init; }
        public int Calls { get; private set; }

        public void Steal(string holder)
        {
            _holder = holder;
            _token++;
            _renewed = time.GetUtcNow();
            _expires = _renewed + Lease;
        }

        public Task<LeaseObservation> TryAcquireAsync(string nodeId, TimeSpan leaseTime, CancellationToken cancellationToken) =>
            Answer(() =>
            {
                var now = time.GetUtcNow();
                if (!(_expires < now || _holder == nodeId)) return false;
                _holder = nodeId;
                _token++;
                _renewed = now;
                _expires = now + leaseTime;
                return true;
            });

        public Task<LeaseObservation> TryRenewAsync(string nodeId, long token, TimeSpan leaseTime, CancellationToken cancellationToken) =>
            Answer(() =>
            {
                if (_holder != nodeId || _token != token) return false;
                _renewed = time.GetUtcNow();
                _expires = _renewed + leaseTime;
                return true;
            });

        public Task ReleaseAsync(string nodeId, long token, CancellationToken cancellationToken)
        {
            if (_holder == nodeId && _token == token) _expires = time.GetUtcNow();
            return Task.CompletedTask;
        }

        public Task<LeaseObservation> ReadAsync(CancellationToken cancellationToken) => Answer(() => false);

        private Task<LeaseObservation> Answer(Func<bool> change)
        {
            Calls++;
            if (Unreachable) return Task.FromException<LeaseObservation>(new TimeoutException("database unreachable"));
            var won = change();
            time.Advance(Latency);
            var now = time.GetUtcNow();
            return Task.FromResult(new LeaseObservation(won, _holder, _token, now - _renewed, _expires - now));
        }
    }
}
