using Ccgw.Core.Pair;
using Ccgw.Storage.Postgres;

namespace Ccgw.Storage.Tests;

/// <summary>
/// The pair's lease (migration 0060) on a real PostgreSQL: two contenders, exactly one active; takeover after expiry by
/// the database clock; the old holder's renewal refused with its stale token; a clean release hands over at once.
/// </summary>
[Collection("postgres")]
public sealed class PostgresLeaseStoreTests(PostgresServerFixture postgres)
{
    /// <summary>A lease that lapsed a second ago, by the database clock: stands in for waiting one out, without sleeping.</summary>
    private static readonly TimeSpan Lapsed = TimeSpan.FromSeconds(-1);

    private async Task<PostgresDatabase> MigratedAsync()
    {
        var db = new PostgresDatabase(await postgres.NewDatabaseAsync());
        await new PostgresMigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        return db;
    }

    [SkippableFact]
    public async Task Of_two_contenders_at_once_exactly_one_wins_and_the_other_sees_it()
    {
        await using var db = await MigratedAsync();
        var store = new PostgresLeaseStore(db);

        for (var round = 0; round < 20; round++)
        {
            // Fresh lease each round: released by whoever won the previous one.
            var results = await Task.WhenAll(
                store.TryAcquireAsync("a", TimeSpan.FromSeconds(30), default),
                store.TryAcquireAsync("b", TimeSpan.FromSeconds(30), default));
            var winner = Assert.Single(results, r => r.Won);
            var loser = Assert.Single(results, r => !r.Won);
            Assert.Equal(winner.Holder, loser.Holder);
            Assert.Equal(winner.Token, loser.Token);
            Assert.Equal(round + 1, winner.Token);
            await store.ReleaseAsync(winner.Holder, winner.Token, default);
        }
    }

    [SkippableFact]
    public async Task The_standby_takes_over_after_expiry_and_the_old_holders_renewal_is_refused()
    {
        await using var db = await MigratedAsync();
        var store = new PostgresLeaseStore(db);
        var a = await store.TryAcquireAsync("a", TimeSpan.FromSeconds(30), default);
        Assert.True(a.Won);
        Assert.False((await store.TryAcquireAsync("b", TimeSpan.FromSeconds(30), default)).Won);
        // a renews once more, but then stops (killed): its lease is over by the database clock.
        Assert.True((await store.TryRenewAsync("a", a.Token, Lapsed, default)).Won);

        var b = await store.TryAcquireAsync("b", TimeSpan.FromSeconds(30), default);

        Assert.True(b.Won);

        Assert.Equal(a.Token + 1, b.Token);
        var stale = await store.TryRenewAsync("a", a.Token, TimeSpan.FromSeconds(30), default);
        Assert.False(stale.Won);
        Assert.Equal("b", stale.Holder);
        Assert.Equal(b.Token, stale.Token);
        Assert.True((await store.TryRenewAsync("b", b.Token, TimeSpan.FromSeconds(30), default)).Won);
        var read = await store.ReadAsync(default);
        Assert.Equal(("b", b.Token), (read.Holder, read.Token));
        Assert.True(read.Remaining > TimeSpan.FromSeconds(25));
        Assert.True(read.Age < TimeSpan.FromSeconds(5));
    }

    [SkippableFact]
    public async Task Two_pair_leases_on_one_database_one_active_then_the_standby_after_a_release()
    {
        await using var db = await MigratedAsync();
        var time = TimeProvider.System;
        var a = new PairLease(new PostgresLeaseStore(db), "a", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), time);
        var b = new PairLease(new PostgresLeaseStore(db), "b", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), time);

        await Task.WhenAll(a.StepAsync(default), b.StepAsync(default));
        var (active, standby) = a.Role == PairRole.Active ? (a, b) : (b, a);
        Assert.Equal(PairRole.Active, active.Role);
        Assert.Equal(PairRole.Standby, standby.Role);
        Assert.True((await active.StepAsync(default)).After == PairRole.Active);

        await new PostgresLeaseStore(db).ReleaseAsync(active.NodeId, active.Token, default);
        Assert.Equal(PairRole.Active, (await standby.StepAsync(default)).After);
        Assert.Equal(active.Token + 1, standby.Token);
        Assert.Equal(PairRole.Fenced, (await active.StepAsync(default)).After);
        Assert.False(active.HoldsLease);
    }
}
