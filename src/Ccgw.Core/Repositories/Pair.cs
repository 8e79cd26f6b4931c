namespace Ccgw.Core.Repositories;

/// <summary>
/// The active/standby pair's lease in the shared database (issue 22; PostgreSQL: <c>PostgresLeaseStore</c>). Every
/// time is the database's clock, so the nodes' own clocks never need to agree.
/// </summary>
public interface ILeaseStore
{
    /// <summary>
    /// Takes the lease for <paramref name="nodeId"/> when it has expired or this node already holds it (a restarted node
    /// may take its own lease back), with a new fencing token, valid for <paramref name="leaseTime"/>. One statement:
    /// two contenders cannot both win.
    /// </summary>
    Task<LeaseObservation> TryAcquireAsync(string nodeId, TimeSpan leaseTime, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the lease when <paramref name="nodeId"/> still holds it with <paramref name="token"/>; otherwise changes
    /// nothing and reports who holds it (Won false).
    /// </summary>
    Task<LeaseObservation> TryRenewAsync(string nodeId, long token, TimeSpan leaseTime, CancellationToken cancellationToken);

    /// <summary>Expires the lease now if <paramref name="nodeId"/> holds it with <paramref name="token"/> (a clean stop hands over at once).</summary>
    Task ReleaseAsync(string nodeId, long token, CancellationToken cancellationToken);

    /// <summary>The lease as it stands, without changing it.</summary>
    Task<LeaseObservation> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The lease row after a call. <paramref name="Age"/>: since its holder last took or renewed it; <paramref name="Remaining"/>:
/// until it expires (negative once expired); both by the database clock.
/// </summary>
public sealed record LeaseObservation(bool Won, string Holder, long Token, TimeSpan Age, TimeSpan Remaining);
