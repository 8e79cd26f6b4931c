using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteFlowProvisioningStore"/> (migration 0055): each change and its audit rows in one
/// transaction; ids ordered byte-wise (<c>COLLATE "C"</c>) as SQLite orders them. Both daemons of a pair applying the
/// same file at start write the same rows (an upsert each), so the race leaves one row per flow.
/// </summary>
public sealed class PostgresFlowProvisioningStore(PostgresDatabase database) : IFlowProvisioningStore
{
    public async ValueTask<IReadOnlyList<StoredFlow>> ListFlowsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<FlowRow>(new CommandDefinition(
            "SELECT id AS Id, definition_json AS DefinitionJson, source AS Source, CAST(removed AS bigint) AS Removed FROM provisioned_flows ORDER BY id COLLATE \"C\"",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StoredFlow(r.Id, r.DefinitionJson, r.Source, r.Removed != 0))];
    }

    public async ValueTask SaveFlowsAsync(IReadOnlyList<StoredFlow> flows, IReadOnlyList<AuditEntry> audit, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flows);
        ArgumentNullException.ThrowIfNull(audit);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var f in flows)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO provisioned_flows (id, definition_json, source, removed, updated_at) VALUES (@Id, @DefinitionJson, @Source, @Removed, @At)
                ON CONFLICT (id) DO UPDATE SET definition_json = excluded.definition_json, source = excluded.source,
                    removed = excluded.removed, updated_at = excluded.updated_at
                """, new { f.Id, f.DefinitionJson, f.Source, Removed = f.Removed ? 1 : 0, At = StoredTime.Write(at) }, tx, cancellationToken: cancellationToken));
        foreach (var a in audit)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO provisioning_audit (at, actor, action, resource, resource_id, before_json, after_json)
                VALUES (@At, @Actor, @Action, @Resource, @ResourceId, @Before, @After)
                """, new { At = StoredTime.Write(a.At), a.Actor, a.Action, a.Resource, a.ResourceId, a.Before, a.After }, tx,
                cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    private sealed record FlowRow(string Id, string DefinitionJson, string Source, long Removed);
}
