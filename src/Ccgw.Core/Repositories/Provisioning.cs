using Ccgw.Core.Security;

namespace Ccgw.Core.Repositories;

/// <summary>An agent's provisioned settings (what <c>POST /api/admin/agents</c> takes, without the password).</summary>
public sealed record ProvisionedAgent(
    string Id,
    string Name,
    IReadOnlyDictionary<string, int> Skills,
    ChannelCapacity Capacity,
    IReadOnlyList<string> Capabilities,
    bool ImWhileOnVoice,
    IReadOnlyList<string> ReasonCodes);

/// <summary>
/// A person who logs in: an agent (with <see cref="Agent"/>) or a supervisor. <see cref="Credential"/> is the text of a
/// <see cref="StoredCredential"/> (salt, iterations, digest HA1s, SCRAM keys), the only form a password is ever kept in.
/// </summary>
public sealed record StaffRecord(string Id, StaffRole Role, string Name, string Credential, ProvisionedAgent? Agent);

/// <summary>A widening step of a provisioned queue.</summary>
public sealed record ProvisionedWidening(int AfterSeconds, int MinLevel);

/// <summary>A provisioned queue's overflow.</summary>
public sealed record ProvisionedOverflow(int AfterSeconds, string Queue);

/// <summary>Where a queue was defined: <see cref="File"/> (the configuration's Queues) or <see cref="Api"/> (created at run time).</summary>
public static class QueueOrigin
{
    public const string File = "file";
    public const string Api = "api";
}

/// <summary>
/// The routing settings of a queue that provisioning may change (channels, flows and prompts stay in the file).
/// <see cref="Origin"/> says whether the file defines the queue (the store keeps changed settings over it) or it was
/// created at run time (the store alone keeps it; rows written before there was an origin are the file's).
/// </summary>
public sealed record ProvisionedQueue(
    string Id,
    IReadOnlyDictionary<string, int> Skills,
    int Priority,
    int ServiceLevelSeconds,
    double ServiceLevelTarget,
    IReadOnlyList<ProvisionedWidening> Widening,
    ProvisionedOverflow? Overflow,
    string Origin = QueueOrigin.File);

/// <summary>One audited change: who (the admin token's identity), when, what, and the record before and after (JSON, never a password).</summary>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, string Actor, string Action, string Resource, string ResourceId,
    string? Before, string? After);

/// <summary>
/// Provisioned people and queue settings with their audit trail. The configuration file seeds an empty store once
/// (<see cref="SeedAsync"/>); afterwards the store wins, as Kamailio's and Prosody's database modes do. Every write and
/// its audit entry are one transaction.
/// </summary>
public interface IProvisioningStore
{
    /// <summary>True once the store was seeded (even if every person was removed since).</summary>
    ValueTask<bool> IsSeededAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the file's people, marks the store seeded and audits each as a seed by <paramref name="actor"/>, in one transaction.</summary>
    ValueTask SeedAsync(IReadOnlyList<StaffRecord> staff, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<StaffRecord>> ListStaffAsync(CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<ProvisionedQueue>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces a person and appends the audit entry (its sequence is assigned by the store).</summary>
    ValueTask SaveStaffAsync(StaffRecord record, AuditEntry audit, CancellationToken cancellationToken = default);

    ValueTask DeleteStaffAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default);

    ValueTask SaveQueueAsync(ProvisionedQueue queue, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>Forgets a queue's stored settings (a queue created at run time is gone with them) and appends the audit entry.</summary>
    ValueTask DeleteQueueAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>Audit entries, newest first, optionally of one resource kind and id.</summary>
    ValueTask<IReadOnlyList<AuditEntry>> ListAuditAsync(string? resource, string? resourceId, int limit, CancellationToken cancellationToken = default);
}
