namespace Ccgw.Core.Repositories;

/// <summary>
/// A flow as stored: its definition as JSON (the configuration's <c>Flows:{id}</c> shape, start and steps, opaque to
/// storage), who owns it (<see cref="ProvisioningSource"/>), and whether it was removed (kept as a tombstone so a reload
/// does not bring back a flow the admin API removed).
/// </summary>
public sealed record StoredFlow(string Id, string DefinitionJson, string Source, bool Removed);

/// <summary>
/// Flows provisioned at run time (issue 20, migration 0055). Audit entries go to the same trail as people, queues and
/// trunks (<see cref="IProvisioningStore.ListAuditAsync"/>), written in the same transaction as the change.
/// </summary>
public interface IFlowProvisioningStore
{
    /// <summary>Every stored flow, tombstones included, by id.</summary>
    ValueTask<IReadOnlyList<StoredFlow>> ListFlowsAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the flows given (stamped <paramref name="at"/>) and appends the audit entries, in one transaction.</summary>
    ValueTask SaveFlowsAsync(IReadOnlyList<StoredFlow> flows, IReadOnlyList<AuditEntry> audit, DateTimeOffset at, CancellationToken cancellationToken = default);
}
