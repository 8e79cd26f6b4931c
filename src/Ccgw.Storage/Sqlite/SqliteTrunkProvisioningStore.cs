using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>Trunks and DIDs provisioned at run time (migration 0056); each change and its audit rows in one transaction.</summary>
public sealed class SqliteTrunkProvisioningStore(SqliteDatabase database) : ITrunkProvisioningStore
{
    public async ValueTask<IReadOnlyList<StoredTrunk>> ListTrunksAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<TrunkRow>(new CommandDefinition(
            "SELECT id AS Id, settings_json AS SettingsJson, source AS Source, removed AS Removed FROM provisioned_trunks ORDER BY id",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StoredTrunk(r.Id, r.SettingsJson, r.Source, r.Removed != 0))];
    }

    public async ValueTask<IReadOnlyList<StoredDid>> ListDidsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<DidRow>(new CommandDefinition(
            "SELECT did AS Did, flow AS Flow, trunk AS Trunk, source AS Source, removed AS Removed FROM provisioned_dids ORDER BY did",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StoredDid(r.Did, r.Flow, r.Trunk, r.Source, r.Removed != 0))];
    }

    public async ValueTask SaveAsync(IReadOnlyList<StoredTrunk> trunks, IReadOnlyList<StoredDid> dids, IReadOnlyList<AuditEntry> audit,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trunks);
        ArgumentNullException.ThrowIfNull(dids);
        ArgumentNullException.ThrowIfNull(audit);
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var t in trunks)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO provisioned_trunks (id, settings_json, source, removed, updated_at) VALUES (@Id, @SettingsJson, @Source, @Removed, @At)
                ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json, source = excluded.source,
                    removed = excluded.removed, updated_at = excluded.updated_at
                """, new { t.Id, t.SettingsJson, t.Source, Removed = t.Removed ? 1 : 0, At = StoredTime.Write(at) }, tx, cancellationToken: cancellationToken));
        foreach (var d in dids)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO provisioned_dids (did, flow, trunk, source, removed, updated_at) VALUES (@Did, @Flow, @Trunk, @Source, @Removed, @At)
                ON CONFLICT (did) DO UPDATE SET flow = excluded.flow, trunk = excluded.trunk, source = excluded.source,
                    removed = excluded.removed, updated_at = excluded.updated_at
                """, new { d.Did, d.Flow, d.Trunk, d.Source, Removed = d.Removed ? 1 : 0, At = StoredTime.Write(at) }, tx, cancellationToken: cancellationToken));
        foreach (var a in audit)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO provisioning_audit (at, actor, action, resource, resource_id, before_json, after_json)
                VALUES (@At, @Actor, @Action, @Resource, @ResourceId, @Before, @After)
                """, new { At = StoredTime.Write(a.At), a.Actor, a.Action, a.Resource, a.ResourceId, a.Before, a.After }, tx,
                cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    private sealed record TrunkRow(string Id, string SettingsJson, string Source, long Removed);

    private sealed record DidRow(string Did, string Flow, string Trunk, string Source, long Removed);
}
