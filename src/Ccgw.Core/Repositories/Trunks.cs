namespace Ccgw.Core.Repositories;

/// <summary>Who owns a provisioned trunk or DID: the configuration file (a reload follows the file) or the admin API (a reload leaves it alone).</summary>
public static class ProvisioningSource
{
    public const string File = "file";
    public const string Api = "api";
}

/// <summary>
/// A trunk as stored: its settings as JSON (the configuration's <c>Trunks[]</c> shape without <c>Dids</c>, opaque to
/// storage), who owns it, and whether it was removed (kept as a tombstone so a reload does not bring back a trunk the
/// admin API removed).
/// </summary>
public sealed record StoredTrunk(string Id, string SettingsJson, string Source, bool Removed);

/// <summary>A dialled number routed to a flow through one trunk; ownership and tombstone as for <see cref="StoredTrunk"/>.</summary>
public sealed record StoredDid(string Did, string Flow, string Trunk, string Source, bool Removed);

/// <summary>
/// Trunks and DIDs provisioned at run time (issue 20, migration 0056). Audit entries go to the same trail as people
/// and queues (<see cref="IProvisioningStore.ListAuditAsync"/>), written in the same transaction as the change.
/// </summary>
public interface ITrunkProvisioningStore
{
    /// <summary>Every stored trunk, tombstones included.</summary>
    ValueTask<IReadOnlyList<StoredTrunk>> ListTrunksAsync(CancellationToken cancellationToken = default);

    /// <summary>Every stored DID, tombstones included.</summary>
    ValueTask<IReadOnlyList<StoredDid>> ListDidsAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the trunks and DIDs given (stamped <paramref name="at"/>) and appends the audit entries, in one transaction.</summary>
    ValueTask SaveAsync(IReadOnlyList<StoredTrunk> trunks, IReadOnlyList<StoredDid> dids, IReadOnlyList<AuditEntry> audit, DateTimeOffset at,
        CancellationToken cancellationToken = default);
}
