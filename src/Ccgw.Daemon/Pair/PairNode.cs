using Ccgw.Core.Pair;
using Ccgw.Storage.Postgres;

namespace Ccgw.Daemon.Pair;

/// <summary>
/// This process's membership of the active/standby pair (Pair:*): the lease's database and the <see cref="PairLease"/>
/// state machine, created once and shared by the standby host and then the full daemon, so that the token, the
/// takeover count and the role carry over from one to the other.
/// </summary>
internal sealed class PairNode : IAsyncDisposable
{
    public PairNode(PairOptions options, TimeProvider time)
    {
        Database = new PostgresDatabase(options.ConnectionString!);
        Store = new PostgresLeaseStore(Database);
        Lease = new PairLease(Store, options.EffectiveNodeId, TimeSpan.FromSeconds(options.LeaseSeconds),
            TimeSpan.FromSeconds(options.RenewSeconds), time);
    }

    public PostgresDatabase Database { get; }
    public PostgresLeaseStore Store { get; }
    public PairLease Lease { get; }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}

/// <summary>What <c>ccgwctl status</c> and <c>GET /api/admin/pair</c> show.</summary>
/// <param name="Node">This node's id in the lease (a single node: its gateway instance id).</param>
/// <param name="Role">single, standby, active or fenced.</param>
/// <param name="Holder">The lease's holder as last seen (empty: nobody yet).</param>
/// <param name="Token">The lease's fencing token as last seen.</param>
/// <param name="LeaseAgeSeconds">Since the holder last took or renewed the lease (database clock, plus local time since it was seen).</param>
/// <param name="LeaseSeconds">The configured lease time.</param>
/// <param name="Takeovers">How many times this process took the lease.</param>
internal sealed record PairStatus(string Node, string Role, string? Holder, long? Token, double? LeaseAgeSeconds, int? LeaseSeconds, long Takeovers);

/// <summary>Reads <see cref="PairStatus"/> from the pair's lease, or describes a single node.</summary>
internal sealed class PairStatusSource(DaemonState state, PairNode? pair = null)
{
    public PairStatus Current()
    {
        if (pair is null) return new PairStatus(state.InstanceId, "single", null, null, null, null, 0);
        var lease = pair.Lease;
        var seen = lease.LastSeen;
        return new PairStatus(lease.NodeId, RoleName(lease), seen?.Holder, seen?.Token,
            lease.LeaseAge is { } age ? Math.Round(age.TotalSeconds, 3) : null, (int)lease.LeaseTime.TotalSeconds, lease.Takeovers);
    }

    public static string RoleName(PairLease lease) => (lease.HoldsLease ? PairRole.Active : lease.Role) switch
    {
        PairRole.Active => "active",
        PairRole.Standby => "standby",
        _ => "fenced",
    };
}
