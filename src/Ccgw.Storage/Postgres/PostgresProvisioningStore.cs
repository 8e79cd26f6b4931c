using System.Text.Json;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteProvisioningStore"/> (migration 0045): each write and its audit row in one
/// transaction. Ids are ordered byte-wise (<c>COLLATE "C"</c>) as SQLite orders them, whatever the database's locale.
/// </summary>
public sealed class PostgresProvisioningStore(PostgresDatabase database) : IProvisioningStore
{
    public async ValueTask<bool> IsSeededAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM provisioning_seed", cancellationToken: cancellationToken)) > 0;
    }

    public async ValueTask SeedAsync(IReadOnlyList<StaffRecord> staff, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(staff);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        // The seed row first: both daemons of a pair may find the store unseeded at start, and the second one's insert
        // waits on the first's row and then finds it there; that one writes nothing, so the file seeds the store once.
        var claimed = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO provisioning_seed (id, seeded_at) VALUES (1, @At) ON CONFLICT (id) DO NOTHING",
            new { At = StoredTime.Write(at) }, tx, cancellationToken: cancellationToken));
        if (claimed == 0)
        {
            await tx.RollbackAsync(cancellationToken);
            return;
        }
        foreach (var s in staff)
        {
            await UpsertStaffAsync(c, tx, s, at, cancellationToken);
            await AppendAuditAsync(c, tx, new AuditEntry(0, at, actor, "seed", s.Role == StaffRole.Agent ? "agent" : "supervisor", s.Id, null,
                JsonSerializer.Serialize(new { s.Id, Role = s.Role.ToString().ToLowerInvariant(), s.Name, s.Agent?.Skills, s.Agent?.Capacity }, StorageJson.Options)),
                cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<StaffRecord>> ListStaffAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<StaffRow>(new CommandDefinition(
            "SELECT id AS Id, role AS Role, name AS Name, credential AS Credential, agent_json AS AgentJson FROM provisioned_staff ORDER BY id COLLATE \"C\"",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StaffRecord(r.Id, Enum.Parse<StaffRole>(r.Role), r.Name, r.Credential,
            r.AgentJson is null ? null : JsonSerializer.Deserialize<ProvisionedAgent>(r.AgentJson, StorageJson.Options)))];
    }

    public async ValueTask<IReadOnlyList<ProvisionedQueue>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<string>(new CommandDefinition("SELECT settings_json FROM provisioned_queues ORDER BY id COLLATE \"C\"",
            cancellationToken: cancellationToken));
        return [.. rows.Select(json => JsonSerializer.Deserialize<ProvisionedQueue>(json, StorageJson.Options)!)];
    }

    public async ValueTask SaveStaffAsync(StaffRecord record, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(audit);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await UpsertStaffAsync(c, tx, record, audit.At, cancellationToken);
        await AppendAuditAsync(c, tx, audit, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask DeleteStaffAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM provisioned_staff WHERE id = @Id", new { Id = id }, tx, cancellationToken: cancellationToken));
        await AppendAuditAsync(c, tx, audit, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask SaveQueueAsync(ProvisionedQueue queue, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(audit);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO provisioned_queues (id, settings_json, updated_at) VALUES (@Id, @Json, @At)
            ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at
            """, new { queue.Id, Json = JsonSerializer.Serialize(queue, StorageJson.Options), At = StoredTime.Write(audit.At) }, tx,
            cancellationToken: cancellationToken));
        await AppendAuditAsync(c, tx, audit, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask DeleteQueueAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM provisioned_queues WHERE id = @Id", new { Id = id }, tx, cancellationToken: cancellationToken));
        await AppendAuditAsync(c, tx, audit, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<AuditEntry>> ListAuditAsync(string? resource, string? resourceId, int limit, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        // Typed casts: PostgreSQL cannot infer a type for a parameter that is only compared with NULL.
        var rows = await c.QueryAsync<AuditRow>(new CommandDefinition("""
            SELECT seq AS Seq, at AS At, actor AS Actor, action AS Action, resource AS Resource, resource_id AS ResourceId,
                   before_json AS BeforeJson, after_json AS AfterJson
            FROM provisioning_audit
            WHERE (CAST(@Resource AS text) IS NULL OR resource = @Resource) AND (CAST(@ResourceId AS text) IS NULL OR resource_id = @ResourceId)
            ORDER BY seq DESC LIMIT @Limit
            """, new { Resource = resource, ResourceId = resourceId, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AuditEntry(r.Seq, StoredTime.Read(r.At), r.Actor, r.Action, r.Resource, r.ResourceId, r.BeforeJson, r.AfterJson))];
    }

    private static Task UpsertStaffAsync(NpgsqlConnection c, NpgsqlTransaction tx, StaffRecord s, DateTimeOffset at, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO provisioned_staff (id, role, name, credential, agent_json, updated_at) VALUES (@Id, @Role, @Name, @Credential, @AgentJson, @At)
            ON CONFLICT (id) DO UPDATE SET role = excluded.role, name = excluded.name, credential = excluded.credential,
                agent_json = excluded.agent_json, updated_at = excluded.updated_at
            """, new
        {
            s.Id,
            Role = s.Role.ToString(),
            s.Name,
            s.Credential,
            AgentJson = s.Agent is null ? null : JsonSerializer.Serialize(s.Agent, StorageJson.Options),
            At = StoredTime.Write(at),
        }, tx, cancellationToken: cancellationToken));

    private static Task AppendAuditAsync(NpgsqlConnection c, NpgsqlTransaction tx, AuditEntry a, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO provisioning_audit (at, actor, action, resource, resource_id, before_json, after_json)
            VALUES (@At, @Actor, @Action, @Resource, @ResourceId, @Before, @After)
            """, new { At = StoredTime.Write(a.At), a.Actor, a.Action, a.Resource, a.ResourceId, a.Before, a.After }, tx,
            cancellationToken: cancellationToken));

    private sealed record StaffRow(string Id, string Role, string Name, string Credential, string? AgentJson);

    private sealed record AuditRow(long Seq, string At, string Actor, string Action, string Resource, string ResourceId, string? BeforeJson, string? AfterJson);
}
