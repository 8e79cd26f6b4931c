using System.Collections.Immutable;
using System.Text.Json;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Provisioning;

/// <summary>
/// Queues at run time: list, create, change and remove. The configuration file's queues carry channel bindings the
/// running channels read from the file (flows, IM addresses, call-back booking and help topics, hold prompts), so
/// provisioning changes their routing settings but does not remove them; a queue created here is the store's alone and
/// may be removed once nothing waits in it, nothing overflows into it and no call-back is pending for it.
/// </summary>
public sealed partial class ProvisioningService
{
    private ImmutableHashSet<string> _createdQueues = ImmutableHashSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Every queue's routing settings as the core routes on them now, with where each was defined.</summary>
    public async Task<IReadOnlyList<ProvisionedQueue>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var created = Volatile.Read(ref _createdQueues);
        return [.. (await _engine.GetDefinitionsAsync(cancellationToken)).Queues.Select(q => ToProvisioned(q) with
        {
            Origin = created.Contains(q.Id) ? QueueOrigin.Api : QueueOrigin.File,
        })];
    }

    /// <summary>
    /// Opens a queue (stored, audited, then routed on at once). Missing settings take the configuration file's
    /// defaults: priority 5, service level 80 % in 20 s, no widening, no overflow.
    /// </summary>
    public async Task<ProvisioningResult<ProvisionedQueue>> CreateQueueAsync(string actor, string id, QueueChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var (_, queues) = await _engine.GetDefinitionsAsync(cancellationToken);
            if (queues.Any(q => q.Id == id))
                return ProvisioningResult<ProvisionedQueue>.Conflict($"queue '{id}' already exists; change it with PUT or PATCH /api/admin/queues/{id}");
            if (!IsIdentifier(id))
                return ProvisioningResult<ProvisionedQueue>.Invalid("id", $"'{id}' is not a usable queue id; use lower-case letters, digits, '.', '_' or '-'");
            var queue = new ProvisionedQueue(id,
                new Dictionary<string, int>(change.Skills ?? new Dictionary<string, int>(), StringComparer.Ordinal),
                change.Priority ?? 5,
                change.ServiceLevelSeconds ?? 20,
                change.ServiceLevelTarget ?? 0.8,
                [.. change.Widening ?? []],
                change.RemoveOverflow ? null : change.Overflow,
                QueueOrigin.Api);
            if (CheckQueue(queue, queues) is { } problem)
                return ProvisioningResult<ProvisionedQueue>.Invalid(problem.Field, problem.Message);
            var audit = new AuditEntry(0, _time.GetUtcNow(), actor, "create", "queue", id, null, JsonSerializer.Serialize(queue, AuditJson));
            await _store.SaveQueueAsync(queue, audit, cancellationToken);
            var applied = await _engine.AddQueueAsync(Merge(NewDefinition(id), queue), cancellationToken);
            if (!applied.IsOk)
                LogStoredRefused(_log, "queue", id, applied.Error ?? "");
            Volatile.Write(ref _createdQueues, _createdQueues.Add(id));
            LogChanged(_log, actor, audit.Action, "queue", id);
            return new ProvisioningResult<ProvisionedQueue>(ProvisioningOutcome.Created, queue);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Changes an existing queue's routing settings; queued interactions are placed again at once.</summary>
    public async Task<ProvisioningResult<ProvisionedQueue>> UpdateQueueAsync(string actor, string id, QueueChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var (_, queues) = await _engine.GetDefinitionsAsync(cancellationToken);
            if (queues.FirstOrDefault(q => q.Id == id) is not { } current)
                return ProvisioningResult<ProvisionedQueue>.NotFound($"no queue '{id}' (create it with POST /api/admin/queues)");
            var before = ToProvisioned(current) with { Origin = _createdQueues.Contains(id) ? QueueOrigin.Api : QueueOrigin.File };
            var after = new ProvisionedQueue(id,
                new Dictionary<string, int>(change.Skills ?? before.Skills, StringComparer.Ordinal),
                change.Priority ?? before.Priority,
                change.ServiceLevelSeconds ?? before.ServiceLevelSeconds,
                change.ServiceLevelTarget ?? before.ServiceLevelTarget,
                [.. change.Widening ?? before.Widening],
                change.RemoveOverflow ? null : change.Overflow ?? before.Overflow,
                before.Origin);
            if (CheckQueue(after, queues) is { } problem)
                return ProvisioningResult<ProvisionedQueue>.Invalid(problem.Field, problem.Message);
            var audit = new AuditEntry(0, _time.GetUtcNow(), actor, "update", "queue", id,
                JsonSerializer.Serialize(before, AuditJson), JsonSerializer.Serialize(after, AuditJson));
            await _store.SaveQueueAsync(after, audit, cancellationToken);
            var applied = await _engine.UpsertQueueAsync(Merge(current, after), cancellationToken);
            if (!applied.IsOk)
                LogStoredRefused(_log, "queue", id, applied.Error ?? "");
            LogChanged(_log, actor, audit.Action, "queue", id);
            return new ProvisioningResult<ProvisionedQueue>(ProvisioningOutcome.Ok, after);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes a queue created at run time. Refused (Conflict, naming why) for a queue of the configuration file, while
    /// a call-back is pending for it, while any interaction waits in it or is in hand from it, or while another queue
    /// overflows into it: nothing is stranded. The core decides last, on its own loop, so no arrival slips between.
    /// </summary>
    public async Task<ProvisioningResult<ProvisionedQueue>> RemoveQueueAsync(string actor, string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var (_, queues) = await _engine.GetDefinitionsAsync(cancellationToken);
            if (queues.FirstOrDefault(q => q.Id == id) is not { } current)
                return ProvisioningResult<ProvisionedQueue>.NotFound($"no queue '{id}'");
            if (!_createdQueues.Contains(id))
                return ProvisioningResult<ProvisionedQueue>.Conflict($"queue '{id}' is defined in the configuration file (Queues), whose flows, IM addresses, "
                    + "call-back booking and help topics may name it; remove it there and restart, or stop routing to it by changing its settings");
            if (_queueUsers is not null && await _queueUsers.WhyInUseAsync(id, cancellationToken) is { } why)
                return ProvisioningResult<ProvisionedQueue>.Conflict(why);
            var removed = await _engine.RemoveQueueAsync(id, cancellationToken);
            if (removed.Status == CommandStatus.InvalidState)
                return ProvisioningResult<ProvisionedQueue>.Conflict(removed.Error ?? $"queue '{id}' is in use");
            var before = ToProvisioned(current) with { Origin = QueueOrigin.Api };
            var audit = new AuditEntry(0, _time.GetUtcNow(), actor, "delete", "queue", id, JsonSerializer.Serialize(before, AuditJson), null);
            await _store.DeleteQueueAsync(id, audit, cancellationToken);
            Volatile.Write(ref _createdQueues, _createdQueues.Remove(id));
            LogChanged(_log, actor, audit.Action, "queue", id);
            return new ProvisioningResult<ProvisionedQueue>(ProvisioningOutcome.Ok, before);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The provisioned settings over the file's queue (capabilities, compatibility and wrap-up stay the file's).</summary>
    public static QueueDefinition Merge(QueueDefinition current, ProvisionedQueue q)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(q);
        return current with
        {
            RequiredSkills = new Dictionary<string, int>(q.Skills, StringComparer.Ordinal),
            Priority = q.Priority,
            ServiceLevel = new ServiceLevelTarget(TimeSpan.FromSeconds(q.ServiceLevelSeconds), q.ServiceLevelTarget),
            Widening = [.. q.Widening.Select(w => new WideningStep(TimeSpan.FromSeconds(w.AfterSeconds), w.MinLevel))],
            Overflow = q.Overflow is { } o ? new OverflowRule(TimeSpan.FromSeconds(o.AfterSeconds), o.Queue) : null,
        };
    }

    public static ProvisionedQueue ToProvisioned(QueueDefinition q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return new ProvisionedQueue(q.Id, new Dictionary<string, int>(q.RequiredSkills, StringComparer.Ordinal), q.Priority,
            (int)(q.ServiceLevel?.Threshold.TotalSeconds ?? 20), q.ServiceLevel?.Target ?? 0.8,
            [.. (q.Widening ?? []).Select(w => new ProvisionedWidening((int)w.After.TotalSeconds, w.MinimumLevel))],
            q.Overflow is { } o ? new ProvisionedOverflow((int)o.After.TotalSeconds, o.Queue) : null);
    }

    /// <summary>A queue created at run time has no file entry: no capabilities, no compatibility rules, the default wrap-up.</summary>
    private static QueueDefinition NewDefinition(string id) => new(id, new Dictionary<string, int>(StringComparer.Ordinal));

    /// <summary>
    /// At start (seeded store): queues created at run time are opened first, without their overflow since they may
    /// overflow into each other; then every stored setting is applied over the core's queue.
    /// </summary>
    private async Task ApplyStoredQueuesAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.ListQueuesAsync(cancellationToken);
        var (_, queues) = await _engine.GetDefinitionsAsync(cancellationToken);
        var created = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var q in stored.Where(q => q.Origin == QueueOrigin.Api))
        {
            created.Add(q.Id);
            if (queues.Any(d => d.Id == q.Id))
                continue;
            var added = await _engine.AddQueueAsync(Merge(NewDefinition(q.Id), q with { Overflow = null }), cancellationToken);
            if (!added.IsOk) LogStoredRefused(_log, "queue", q.Id, added.Error ?? "");
        }

        (_, queues) = await _engine.GetDefinitionsAsync(cancellationToken);
        foreach (var q in stored)
        {
            if (queues.FirstOrDefault(d => d.Id == q.Id) is not { } current)
            {
                LogStoredRefused(_log, "queue", q.Id, "no such queue in the configuration file");
                continue;
            }
            var result = await _engine.UpsertQueueAsync(Merge(current, q), cancellationToken);
            if (!result.IsOk) LogStoredRefused(_log, "queue", q.Id, result.Error ?? "");
        }

        Volatile.Write(ref _createdQueues, created.ToImmutable());
    }

    private static (string Field, string Message)? CheckQueue(ProvisionedQueue q, IReadOnlyList<QueueDefinition> queues)
    {
        if (q.Skills.Count == 0) return ("skills", "a queue needs at least one required skill, e.g. { \"sales\": 1 }");
        foreach (var (skill, level) in q.Skills)
        {
            if (!IsIdentifier(skill)) return ($"skills.{skill}", $"'{skill}' is not a usable skill name; use lower-case letters, digits, '.', '_' or '-'");
            if (level is < 1 or > 10) return ($"skills.{skill}", $"level {level} is out of range; skill levels are 1-10");
        }
        if (q.Priority is < 1 or > 10) return ("priority", $"{q.Priority} is out of range; use 1 (lowest) to 10 (highest)");
        if (q.ServiceLevelSeconds <= 0) return ("serviceLevelSeconds", $"{q.ServiceLevelSeconds} is not a positive number of seconds");
        if (q.ServiceLevelTarget is <= 0 or > 1) return ("serviceLevelTarget", $"{q.ServiceLevelTarget} is not a fraction; use a value in (0, 1], e.g. 0.8");
        foreach (var w in q.Widening)
        {
            if (w.AfterSeconds <= 0) return ("widening", $"{w.AfterSeconds} is not a positive number of seconds");
            if (w.MinLevel is < 1 or > 10) return ("widening", $"minimum level {w.MinLevel} is out of range; skill levels are 1-10");
        }
        if (q.Overflow is { } o)
        {
            if (o.AfterSeconds <= 0) return ("overflow.afterSeconds", $"{o.AfterSeconds} is not a positive number of seconds");
            if (o.Queue == q.Id) return ("overflow.queue", "a queue cannot overflow into itself");
            if (!queues.Any(x => x.Id == o.Queue))
                return ("overflow.queue", $"queue '{o.Queue}' is not defined; use one of: {string.Join(", ", queues.Select(x => x.Id))}");
        }
        return null;
    }

}
