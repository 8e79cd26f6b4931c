using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>Flows provisioned at run time (migration 0055); each change and its audit rows in one transaction.</summary>
public sealed class SqliteFlowProvisioningStore(SqliteDatabase database) : IFlowProvisioningStore
{
    public async ValueTask<IReadOnlyList<StoredFlow>> ListFlowsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<FlowRow>(new CommandDefinition(
            "SELECT id AS Id, definition_json AS DefinitionJson, source AS Source, removed AS Removed FROM provisioned_flows ORDER BY id",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StoredFlow(r.Id, r.DefinitionJson, r.Source, r.Removed != 0))];
    }

    public async ValueTask SaveFlowsAsync(IReadOnlyList<StoredFlow> flows, IReadOnlyList<AuditEntry> audit, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flows);
        ArgumentNullException.ThrowIfNull(audit);
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
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
