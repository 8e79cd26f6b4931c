using System.Text.Json;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Provisioning;

/// <summary>
/// Provisioning at run time (issue 20): agents, supervisors and queues (ProvisioningService.Queues.cs) are changed here, one change at
/// a time, in this order: check, store with its audit entry (one transaction), apply to the core through its single
/// writer, then to the live logins every protocol reads. A removal asks the core first, since only the core knows
/// whether the agent holds work; it is refused (naming the interactions) rather than stranding a call, chat or call-back.
/// The configuration file seeds an empty store once; from then on the store wins (<see cref="StartAsync"/>).
/// </summary>
public sealed partial class ProvisioningService
{
    /// <summary>The actor of the seed written from the configuration file at first start.</summary>
    public const string FileActor = "configuration file";

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    private readonly RoutingEngine _engine;
    private readonly IProvisioningStore _store;
    private readonly StaffLoginDirectory _logins;
    private readonly string _realm;
    private readonly TimeProvider _time;
    private readonly ILogger<ProvisioningService> _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IQueueUsers? _queueUsers;
    private Dictionary<string, StaffRecord> _staff = new(StringComparer.Ordinal);

    /// <param name="queueUsers">Asked before a queue is removed (pending call-backs); null: nothing outside the core uses queues.</param>
    public ProvisioningService(RoutingEngine engine, IProvisioningStore store, StaffLoginDirectory logins, string realm, TimeProvider time,
        ILogger<ProvisioningService> log, IQueueUsers? queueUsers = null)
    {
        _engine = engine;
        _queueUsers = queueUsers;
        _store = store;
        _logins = logins;
        _realm = realm;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// At start, once storage is open and the core runs: an unseeded store takes <paramref name="fromFile"/> (the
    /// configuration's agents and supervisors); a seeded one replaces them in the core and the logins, and its queue
    /// settings are applied over the file's queues.
    /// </summary>
    public Task StartAsync(IReadOnlyList<StaffRecord> fromFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fromFile);
        return StartAsync(() => fromFile, cancellationToken);
    }

    /// <summary>
    /// As <see cref="StartAsync(IReadOnlyList{StaffRecord}, CancellationToken)"/>, with the file's people made only when
    /// the store is empty: making them derives every plain password (two PBKDF2 runs of 4,096 rounds each), which a
    /// seeded store, holding the derived credentials already, never needs (issue 21: hashes computed once, not at
    /// every start). The file's logins are put in the live directory here, so the directory may start empty.
    /// </summary>
    public async Task StartAsync(Func<IReadOnlyList<StaffRecord>> fromFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fromFile);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!await _store.IsSeededAsync(cancellationToken))
            {
                var seed = fromFile();
                await _store.SeedAsync(seed, FileActor, _time.GetUtcNow(), cancellationToken);
                _logins.SetAll(seed.Select(s => new StaffLogin(s.Id, s.Role, StoredCredential.TryParse(s.Credential, out var c, out _) ? c
                    : throw new InvalidOperationException($"the credential of '{s.Id}' does not parse"))));
                _staff = seed.ToDictionary(s => s.Id, StringComparer.Ordinal);
                LogSeeded(_log, seed.Count);
                return;
            }

            var stored = await _store.ListStaffAsync(cancellationToken);
            var staff = new Dictionary<string, StaffRecord>(StringComparer.Ordinal);
            var logins = new List<StaffLogin>();
            foreach (var s in stored)
            {
                if (!StoredCredential.TryParse(s.Credential, out var credential, out var why))
                {
                    LogUnusableCredential(_log, s.Id, why);
                    continue;
                }
                staff[s.Id] = s;
                logins.Add(new StaffLogin(s.Id, s.Role, credential));
            }

            var (agents, _) = await _engine.GetDefinitionsAsync(cancellationToken);
            foreach (var a in agents.Where(a => !staff.TryGetValue(a.Id, out var s) || s.Agent is null))
                await _engine.RemoveAgentAsync(a.Id, cancellationToken);
            // One command for all of them: per agent, the core would re-link its queues and publish a snapshot each time.
            var storedAgents = staff.Values.Where(s => s.Agent is not null).ToList();
            var results = await _engine.UpsertAgentsAsync([.. storedAgents.Select(s => ToDefinition(s.Agent!))], cancellationToken);
            for (var i = 0; i < storedAgents.Count; i++)
                if (!results[i].IsOk) LogStoredRefused(_log, "agent", storedAgents[i].Id, results[i].Error ?? "");
            await ApplyStoredQueuesAsync(cancellationToken);
            _logins.ReplaceAll(logins);
            _staff = staff;
            LogLoaded(_log, staff.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<ProvisionedAgent> ListAgents() =>
        [.. Volatile.Read(ref _staff).Values.Select(s => s.Agent).OfType<ProvisionedAgent>().OrderBy(a => a.Id, StringComparer.Ordinal)];

    public ProvisionedAgent? GetAgent(string id) => Volatile.Read(ref _staff).GetValueOrDefault(id)?.Agent;

    public IReadOnlyList<ProvisionedSupervisor> ListSupervisors() =>
        [.. Volatile.Read(ref _staff).Values.Where(s => s.Role == StaffRole.Supervisor).Select(s => new ProvisionedSupervisor(s.Id, s.Name))
            .OrderBy(s => s.Id, StringComparer.Ordinal)];

    /// <summary>Adds an agent (offline until it sets itself ready); a password is required.</summary>
    public Task<ProvisioningResult<ProvisionedAgent>> CreateAgentAsync(string actor, string id, AgentChange change, CancellationToken cancellationToken) =>
        ChangeAgentAsync(actor, id, change, create: true, replace: true, cancellationToken);

    /// <summary>PUT (<paramref name="replace"/>: missing fields take defaults) or PATCH (missing fields stay); the password is kept unless given.</summary>
    public Task<ProvisioningResult<ProvisionedAgent>> UpdateAgentAsync(string actor, string id, AgentChange change, bool replace, CancellationToken cancellationToken) =>
        ChangeAgentAsync(actor, id, change, create: false, replace, cancellationToken);

    private async Task<ProvisioningResult<ProvisionedAgent>> ChangeAgentAsync(string actor, string id, AgentChange change, bool create, bool replace,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = _staff.GetValueOrDefault(id);
            if (create && before is not null)
                return ProvisioningResult<ProvisionedAgent>.Conflict($"'{id}' already exists (as {before.Role.ToString().ToLowerInvariant()}); change it with PUT or PATCH /api/admin/agents/{id}");
            if (!create && before?.Agent is null)
                return ProvisioningResult<ProvisionedAgent>.NotFound($"no agent '{id}'");
            if (create && !IsIdentifier(id))
                return ProvisioningResult<ProvisionedAgent>.Invalid("id", $"'{id}' is not a usable agent id; use lower-case letters, digits, '.', '_' or '-' (it becomes a SIP user, XMPP local part and MQTT username)");
            if (create && string.IsNullOrEmpty(change.Password))
                return ProvisioningResult<ProvisionedAgent>.Invalid("password", "a new agent needs a password (at least 8 characters)");
            if (change.Password is { } p && p.Length < 8)
                return ProvisioningResult<ProvisionedAgent>.Invalid("password", "passwords need at least 8 characters");

            var old = replace ? null : before!.Agent;
            var agent = new ProvisionedAgent(
                id,
                change.Name ?? old?.Name ?? before?.Name ?? id,
                new Dictionary<string, int>(change.Skills ?? old?.Skills ?? new Dictionary<string, int>(), StringComparer.Ordinal),
                change.Capacity ?? old?.Capacity ?? new ChannelCapacity(),
                [.. change.Capabilities ?? old?.Capabilities ?? []],
                change.ImWhileOnVoice ?? old?.ImWhileOnVoice ?? false,
                [.. change.ReasonCodes ?? old?.ReasonCodes ?? []]);
            if (CheckAgent(agent) is { } problem)
                return ProvisioningResult<ProvisionedAgent>.Invalid(problem.Field, problem.Message);

            var credential = change.Password is { } password ? Credential(id, password, before) : before!.Credential;
            var record = new StaffRecord(id, StaffRole.Agent, agent.Name, credential, agent);
            var audit = Audit(actor, create ? "create" : replace ? "replace" : "update", "agent", id, before, record, change.Password is not null);
            // Stored first: the core's own check of the definition is the one made above, so it will not refuse it.
            await _store.SaveStaffAsync(record, audit, cancellationToken);
            var applied = await _engine.UpsertAgentAsync(ToDefinition(agent), cancellationToken);
            if (!applied.IsOk) LogStoredRefused(_log, "agent", id, applied.Error ?? "");
            SetStaff(record);
            LogChanged(_log, actor, audit.Action, "agent", id);
            return new ProvisioningResult<ProvisionedAgent>(create ? ProvisioningOutcome.Created : ProvisioningOutcome.Ok, agent);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes an agent that holds no offered or connected interaction (else Conflict naming them).</summary>
    public async Task<ProvisioningResult<ProvisionedAgent>> RemoveAgentAsync(string actor, string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_staff.GetValueOrDefault(id) is not { Agent: { } agent } before)
                return ProvisioningResult<ProvisionedAgent>.NotFound($"no agent '{id}'");
            var result = await _engine.RemoveAgentAsync(id, cancellationToken);
            if (result.Status == CommandStatus.InvalidState)
                return ProvisioningResult<ProvisionedAgent>.Conflict(result.Error ?? $"agent '{id}' is busy");
            // The login goes before the store is written: from here on no new session can start for this agent.
            _logins.Remove(id);
            var audit = Audit(actor, "delete", "agent", id, before, null, passwordChanged: false);
            await _store.DeleteStaffAsync(id, audit, cancellationToken);
            RemoveStaff(id);
            LogChanged(_log, actor, audit.Action, "agent", id);
            return new ProvisioningResult<ProvisionedAgent>(ProvisioningOutcome.Ok, agent);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds (<paramref name="create"/>) or changes a supervisor: a login only, no routing.</summary>
    public async Task<ProvisioningResult<ProvisionedSupervisor>> SaveSupervisorAsync(string actor, string id, string? name, string? password, bool create,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = _staff.GetValueOrDefault(id);
            if (create && before is not null)
                return ProvisioningResult<ProvisionedSupervisor>.Conflict($"'{id}' already exists (as {before.Role.ToString().ToLowerInvariant()})");
            if (!create && before is not { Role: StaffRole.Supervisor })
                return ProvisioningResult<ProvisionedSupervisor>.NotFound($"no supervisor '{id}'");
            if (create && !IsIdentifier(id))
                return ProvisioningResult<ProvisionedSupervisor>.Invalid("id", $"'{id}' is not a usable supervisor id; use lower-case letters, digits, '.', '_' or '-'");
            if (create && string.IsNullOrEmpty(password))
                return ProvisioningResult<ProvisionedSupervisor>.Invalid("password", "a new supervisor needs a password (at least 8 characters)");
            if (password is { Length: < 8 })
                return ProvisioningResult<ProvisionedSupervisor>.Invalid("password", "passwords need at least 8 characters");
            var credential = password is not null ? Credential(id, password, before) : before!.Credential;
            var record = new StaffRecord(id, StaffRole.Supervisor, name ?? before?.Name ?? id, credential, null);
            var audit = Audit(actor, create ? "create" : "update", "supervisor", id, before, record, password is not null);
            await _store.SaveStaffAsync(record, audit, cancellationToken);
            SetStaff(record);
            LogChanged(_log, actor, audit.Action, "supervisor", id);
            return new ProvisioningResult<ProvisionedSupervisor>(create ? ProvisioningOutcome.Created : ProvisioningOutcome.Ok,
                new ProvisionedSupervisor(id, record.Name));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ProvisioningResult<ProvisionedSupervisor>> RemoveSupervisorAsync(string actor, string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_staff.GetValueOrDefault(id) is not { Role: StaffRole.Supervisor } before)
                return ProvisioningResult<ProvisionedSupervisor>.NotFound($"no supervisor '{id}'");
            _logins.Remove(id);
            var audit = Audit(actor, "delete", "supervisor", id, before, null, passwordChanged: false);
            await _store.DeleteStaffAsync(id, audit, cancellationToken);
            RemoveStaff(id);
            LogChanged(_log, actor, audit.Action, "supervisor", id);
            return new ProvisioningResult<ProvisionedSupervisor>(ProvisioningOutcome.Ok, new ProvisionedSupervisor(id, before.Name));
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask<IReadOnlyList<AuditEntry>> ListAuditAsync(string? resource, string? resourceId, int limit, CancellationToken cancellationToken) =>
        _store.ListAuditAsync(resource, resourceId, Math.Clamp(limit, 1, 1000), cancellationToken);

    /// <summary>The core's definition of a provisioned agent (the same mapping as the configuration's, CoreDefinitions).</summary>
    public static AgentDefinition ToDefinition(ProvisionedAgent a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AgentDefinition(a.Id, a.Name, new Dictionary<string, int>(a.Skills, StringComparer.Ordinal), a.Capacity,
            a.Capabilities.Count == 0 ? null : new HashSet<string>(a.Capabilities, StringComparer.Ordinal),
            new BlendingRules(VoiceExclusive: !a.ImWhileOnVoice));
    }

    private AuditEntry Audit(string actor, string action, string resource, string id, StaffRecord? before, StaffRecord? after, bool passwordChanged) =>
        new(0, _time.GetUtcNow(), actor, action, resource, id, AuditText(before, false), AuditText(after, passwordChanged));

    /// <summary>A person as audited: the settings and whether the password changed, never the credential.</summary>
    private static string? AuditText(StaffRecord? s, bool passwordChanged) => s is null ? null : JsonSerializer.Serialize(new
    {
        s.Id,
        Role = s.Role.ToString().ToLowerInvariant(),
        s.Name,
        s.Agent?.Skills,
        s.Agent?.Capacity,
        s.Agent?.Capabilities,
        s.Agent?.ImWhileOnVoice,
        s.Agent?.ReasonCodes,
        PasswordChanged = passwordChanged,
    }, AuditJson);

    /// <summary>
    /// The stored credential kept when the password given is the one it was made from (a PUT that repeats the password,
    /// a provisioning tool re-applying its whole list), so only a changed password pays for a new derivation.
    /// </summary>
    private string Credential(string id, string password, StaffRecord? before) =>
        before is not null && StoredCredential.TryParse(before.Credential, out var stored, out _) && stored.IsFor(id, _realm, password)
            ? before.Credential
            : StoredCredential.Derive(id, _realm, password).ToString();

    private void SetStaff(StaffRecord record)
    {
        _logins.Set(new StaffLogin(record.Id, record.Role, StoredCredential.TryParse(record.Credential, out var c, out _) ? c
            : throw new InvalidOperationException($"the credential of '{record.Id}' does not parse")));
        Volatile.Write(ref _staff, new Dictionary<string, StaffRecord>(_staff, StringComparer.Ordinal) { [record.Id] = record });
    }

    private void RemoveStaff(string id)
    {
        var next = new Dictionary<string, StaffRecord>(_staff, StringComparer.Ordinal);
        next.Remove(id);
        Volatile.Write(ref _staff, next);
    }

    private static (string Field, string Message)? CheckAgent(ProvisionedAgent a)
    {
        if (a.Name.Length is 0 or > 200) return ("name", "give a name of 1-200 characters");
        foreach (var (skill, level) in a.Skills)
        {
            if (!IsIdentifier(skill)) return ($"skills.{skill}", $"'{skill}' is not a usable skill name; use lower-case letters, digits, '.', '_' or '-'");
            if (level is < 1 or > 10) return ($"skills.{skill}", $"level {level} is out of range; skill levels are 1-10");
        }
        if (a.Capacity.Voice is < 0 or > 1) return ("capacity.voice", $"{a.Capacity.Voice} voice calls at once is not supported; use 0 or 1");
        if (a.Capacity.Im is < 0 or > 20) return ("capacity.im", $"{a.Capacity.Im} chats at once is out of range; use 0-20");
        if (a.Capacity.Callback is < 0 or > 1) return ("capacity.callback", $"{a.Capacity.Callback} call-backs at once is not supported; use 0 or 1");
        if (a.Capabilities.FirstOrDefault(c => !IsIdentifier(c)) is { } cap) return ("capabilities", $"'{cap}' is not a usable capability name");
        if (a.ReasonCodes.FirstOrDefault(r => r.Length is 0 or > 64) is { } reason) return ("reasonCodes", $"'{reason}' is not a usable reason code; use 1-64 characters");
        return null;
    }

    private static bool IsIdentifier(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-');

    [LoggerMessage(EventId = 20300, Level = LogLevel.Information, Message = "provisioning: {Actor} did {Action} on {Resource} '{Id}'")]
    private static partial void LogChanged(ILogger logger, string actor, string action, string resource, string id);

    [LoggerMessage(EventId = 20301, Level = LogLevel.Information, Message = "provisioning: the store was empty; seeded {Count} agents and supervisors from the configuration file (from now on the store wins)")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(EventId = 20302, Level = LogLevel.Information, Message = "provisioning: {Count} agents and supervisors loaded from storage; the configuration file's Agents and Supervisors are not read once the store is seeded")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 20303, Level = LogLevel.Warning, Message = "provisioning: stored {Resource} '{Id}' was not applied: {Reason}")]
    private static partial void LogStoredRefused(ILogger logger, string resource, string id, string reason);

    [LoggerMessage(EventId = 20304, Level = LogLevel.Error, Message = "provisioning: stored credential of '{Id}' is unusable ({Why}); that person cannot log in until an admin sets a new password")]
    private static partial void LogUnusableCredential(ILogger logger, string id, string why);
}
