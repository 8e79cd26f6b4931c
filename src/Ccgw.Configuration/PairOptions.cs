namespace Ccgw.Configuration;

/// <summary>
/// The active/standby pair (issue 22, docs/operations.md): two daemons with one lease in a shared PostgreSQL. Without a
/// connection string the daemon runs alone, as always.
/// </summary>
public sealed class PairOptions
{
    /// <summary>Npgsql connection string of the database holding the lease (both nodes give the same database).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>This node's name in the lease, unique within the pair; defaults to the host name.</summary>
    public string? NodeId { get; set; }

    /// <summary>How long a lease lasts without renewal: the longest a failed active stays unnoticed (takeover time).</summary>
    public int LeaseSeconds { get; set; } = 10;

    /// <summary>How often the active renews and the standby tries to take over; at most half the lease time.</summary>
    public int RenewSeconds { get; set; } = 3;

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The node id in effect: <see cref="NodeId"/>, else the host name.</summary>
    public string EffectiveNodeId => string.IsNullOrWhiteSpace(NodeId) ? Environment.MachineName : NodeId;
}
