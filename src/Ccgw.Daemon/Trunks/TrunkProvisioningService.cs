using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ccgw.Configuration;
using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;
using Ccgw.Voice;
using Ccgw.Voice.Trunks;

namespace Ccgw.Daemon.Trunks;

/// <summary>
/// Trunks and DIDs at run time (issue 20). One path for every source of change: the configuration file at start and on
/// SIGHUP (<see cref="ApplyFileAsync"/>), and the admin API. Each change is checked with the configuration's own trunk
/// rules over the trunks as they would run, stored with its audit entry (one transaction), then published to the voice
/// path's <see cref="TrunkDirectory"/>: the next INVITE is admitted and routed on the new list, calls up keep theirs.
/// Precedence: a trunk or DID changed through the API is the API's from then on (a reload leaves it, even removed);
/// those only the file ever set follow the file, so a reload adds, changes and removes them.
/// </summary>
internal sealed partial class TrunkProvisioningService : ITrunkProvisioning
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly ITrunkProvisioningStore _store;
    private readonly TrunkDirectory _directory;
    private readonly Func<string, int> _callsOnTrunk;
    private readonly Ccgw.Core.Flows.FlowCatalog _flows;
    private readonly TimeProvider _time;
    private readonly ILogger<TrunkProvisioningService> _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile State _state;

    /// <param name="callsOnTrunk">Calls up now through a trunk (a trunk carrying calls is not removed).</param>
    /// <param name="flows">The flows running now (the file's and those provisioned at run time): a DID may enter any of them.</param>
    public TrunkProvisioningService(ITrunkProvisioningStore store, TrunkDirectory directory, GatewayOptions options, Func<string, int> callsOnTrunk,
        Ccgw.Core.Flows.FlowCatalog flows, TimeProvider time, ILogger<TrunkProvisioningService> log)
    {
        _flows = flows;
        _store = store;
        _directory = directory;
        _callsOnTrunk = callsOnTrunk;
        _time = time;
        _log = log;
        _state = new State(options, new Dictionary<string, StoredTrunk>(StringComparer.Ordinal), new Dictionary<string, StoredDid>(StringComparer.Ordinal));
    }

    /// <summary>
    /// The file's trunks and DIDs over the store (at start, and on SIGHUP with the re-read file): those the file owns
    /// follow it, those the API changed stay. Returns the problems (each naming its key) when the merged trunks would
    /// not pass the trunk rules; then nothing is stored or applied and the running trunks stay.
    /// </summary>
    public async Task<IReadOnlyList<ConfigProblem>> ApplyFileAsync(GatewayOptions file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var trunks = (await _store.ListTrunksAsync(cancellationToken)).ToDictionary(t => t.Id, StringComparer.Ordinal);
            var dids = (await _store.ListDidsAsync(cancellationToken)).ToDictionary(d => d.Did, StringComparer.Ordinal);
            var changedTrunks = new List<StoredTrunk>();
            var changedDids = new List<StoredDid>();
            var audit = new List<AuditEntry>();
            var actor = ProvisioningService.FileActor;

            foreach (var t in file.Trunks)
            {
                var next = new StoredTrunk(t.Id, SettingsJson(t), ProvisioningSource.File, Removed: false);
                var before = trunks.GetValueOrDefault(t.Id);
                if (before is { Source: ProvisioningSource.Api } || before == next) continue;
                changedTrunks.Add(trunks[t.Id] = next);
                audit.Add(TrunkAudit(now, actor, before is null ? "seed" : "update", before, next));
            }
            foreach (var before in trunks.Values.Where(t => t is { Source: ProvisioningSource.File, Removed: false }
                         && file.Trunks.All(f => f.Id != t.Id)).ToList())
            {
                if (_callsOnTrunk(before.Id) is > 0 and var calls)
                {
                    LogFileRemovalHeld(_log, before.Id, calls);
                    continue;
                }
                var next = before with { Removed = true };
                changedTrunks.Add(trunks[before.Id] = next);
                audit.Add(TrunkAudit(now, actor, "delete", before, null));
            }

            var fileDids = file.Trunks.SelectMany(t => t.Dids.Select(d => new StoredDid(d.Key, d.Value, t.Id, ProvisioningSource.File, false))).ToList();
            foreach (var next in fileDids)
            {
                var before = dids.GetValueOrDefault(next.Did);
                if (before is { Source: ProvisioningSource.Api } || before == next) continue;
                changedDids.Add(dids[next.Did] = next);
                audit.Add(DidAudit(now, actor, before is null ? "seed" : "update", before, next));
            }
            foreach (var before in dids.Values.Where(d => !d.Removed
                         && (d.Source == ProvisioningSource.File && fileDids.All(f => f.Did != d.Did) || trunks.GetValueOrDefault(d.Trunk) is null or { Removed: true })).ToList())
            {
                changedDids.Add(dids[before.Did] = before with { Removed = true });
                audit.Add(DidAudit(now, actor, "delete", before, null));
            }

            var candidate = new State(file, trunks, dids);
            var problems = TrunkRules.Check(candidate.Options(), FlowIds());
            if (problems.Count > 0)
            {
                foreach (var p in problems) LogFileRefused(_log, p.ToString());
                return problems;
            }
            if (changedTrunks.Count + changedDids.Count > 0)
                await _store.SaveAsync(changedTrunks, changedDids, audit, now, cancellationToken);
            Publish(candidate);
            int liveTrunks = candidate.LiveTrunks.Count(), liveDids = candidate.LiveDids.Count();
            LogFileApplied(_log, changedTrunks.Count, changedDids.Count, liveTrunks, liveDids);
            return [];
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<TrunkView> ListTrunks()
    {
        var state = _state;
        return [.. state.LiveTrunks.OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => View(state, t))];
    }

    public TrunkView? GetTrunk(string id)
    {
        var state = _state;
        return state.Trunks.GetValueOrDefault(id) is { Removed: false } t ? View(state, t) : null;
    }

    public IReadOnlyList<DidView> ListDids() => [.. _state.LiveDids.OrderBy(d => d.Did, StringComparer.Ordinal).Select(View)];

    public async Task<ProvisioningResult<TrunkView>> PutTrunkAsync(string actor, string id, JsonElement settings, CancellationToken cancellationToken)
    {
        if (settings.ValueKind != JsonValueKind.Object)
            return ProvisioningResult<TrunkView>.Invalid("body", "give the trunk's settings as a JSON object, e.g. { \"allowFrom\": [\"192.0.2.10\"] }");
        if (settings.TryGetProperty("dids", out _))
            return ProvisioningResult<TrunkView>.Invalid("dids", "route numbers with PUT /api/admin/dids/{did} (or ccgwctl did set)");
        if (settings.TryGetProperty("register", out var register) && register.ValueKind != JsonValueKind.Null)
            return ProvisioningResult<TrunkView>.Invalid("register", "outbound registration is set in the configuration file (Trunks[].Register) and needs a restart");
        if (settings.TryGetProperty("dialOut", out var dialOut) && dialOut.ValueKind != JsonValueKind.Null)
            return ProvisioningResult<TrunkView>.Invalid("dialOut", "a trunk's own dial-out policy is set in the configuration file (Trunks[].DialOut); provisioned trunks use the top-level DialOut");
        if (settings.TryGetProperty("id", out var bodyId) && bodyId.ValueKind == JsonValueKind.String && bodyId.GetString() != id)
            return ProvisioningResult<TrunkView>.Invalid("id", $"the body names '{bodyId.GetString()}' but the path '{id}'");
        TrunkOptions trunk;
        try
        {
            trunk = settings.Deserialize<TrunkOptions>(Json) ?? new TrunkOptions();
        }
        catch (JsonException e)
        {
            return ProvisioningResult<TrunkView>.Invalid(e.Path is { Length: > 2 } path ? path[2..] : "body", e.Message);
        }
        trunk.Id = id;
        trunk.Dids = new Dictionary<string, string>(StringComparer.Ordinal);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            var before = state.Trunks.GetValueOrDefault(id) is { Removed: false } b ? b : null;
            // A PUT of what GET showed (which leaves passwords out) keeps the password for the same user name.
            if (before is not null && trunk.Password is null && Deserialize(before) is { Password: { } kept } old && old.Username == trunk.Username)
                trunk.Password = kept;
            var next = new StoredTrunk(id, SettingsJson(trunk), ProvisioningSource.Api, Removed: false);
            var trunks = new Dictionary<string, StoredTrunk>(state.Trunks, StringComparer.Ordinal) { [id] = next };
            var candidate = state with { Trunks = trunks };
            if (Check(candidate, id) is { } problem) return ProvisioningResult<TrunkView>.Invalid(problem.Field, problem.Message);
            var now = _time.GetUtcNow();
            await _store.SaveAsync([next], [], [TrunkAudit(now, actor, before is null ? "create" : "replace", before, next)], now, cancellationToken);
            Publish(candidate);
            LogChanged(_log, actor, before is null ? "create" : "replace", "trunk", id);
            return new ProvisioningResult<TrunkView>(before is null ? ProvisioningOutcome.Created : ProvisioningOutcome.Ok, View(candidate, next));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ProvisioningResult<TrunkView>> RemoveTrunkAsync(string actor, string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            if (state.Trunks.GetValueOrDefault(id) is not { Removed: false } before)
                return ProvisioningResult<TrunkView>.NotFound($"no trunk '{id}'");
            if (_callsOnTrunk(id) is > 0 and var calls)
                return ProvisioningResult<TrunkView>.Conflict($"trunk '{id}' carries {calls} call(s) now; remove it once they have ended (new calls keep coming while it is admitted)");
            var view = View(state, before);
            var now = _time.GetUtcNow();
            var next = before with { Source = ProvisioningSource.Api, Removed = true };
            var gone = state.LiveDids.Where(d => d.Trunk == id).Select(d => d with { Source = ProvisioningSource.Api, Removed = true }).ToList();
            var trunks = new Dictionary<string, StoredTrunk>(state.Trunks, StringComparer.Ordinal) { [id] = next };
            var dids = new Dictionary<string, StoredDid>(state.Dids, StringComparer.Ordinal);
            foreach (var d in gone) dids[d.Did] = d;
            var audit = new List<AuditEntry> { TrunkAudit(now, actor, "delete", before, null) };
            audit.AddRange(gone.Select(d => DidAudit(now, actor, "delete", state.Dids[d.Did], null)));
            await _store.SaveAsync([next], gone, audit, now, cancellationToken);
            Publish(state with { Trunks = trunks, Dids = dids });
            LogChanged(_log, actor, "delete", "trunk", id);
            return new ProvisioningResult<TrunkView>(ProvisioningOutcome.Ok, view);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ProvisioningResult<DidView>> PutDidAsync(string actor, string did, string? flow, string? trunk, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(did) || did.Length > 64 || !did.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '*' or '#' or '.' or '_' or '-'))
            return ProvisioningResult<DidView>.Invalid("did", $"'{did}' is not a dialled number; use 1-64 of digits, letters, '+', '*', '#', '.', '_' or '-'");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            var before = state.Dids.GetValueOrDefault(did) is { Removed: false } b ? b : null;
            var live = state.LiveTrunks.Select(t => t.Id).ToList();
            var through = trunk ?? before?.Trunk ?? (live.Count == 1 ? live[0] : null);
            if (through is null)
                return ProvisioningResult<DidView>.Invalid("trunk", $"name the trunk the number comes through; one of: {Known(live)}");
            if (!live.Contains(through, StringComparer.Ordinal))
                return ProvisioningResult<DidView>.Invalid("trunk", $"no trunk '{through}'; use one of: {Known(live)}");
            if ((flow ?? before?.Flow) is not { Length: > 0 } to)
                return ProvisioningResult<DidView>.Invalid("flow", $"name the flow the number enters; one of: {Known(FlowIds())}");
            var next = new StoredDid(did, to, through, ProvisioningSource.Api, Removed: false);
            var dids = new Dictionary<string, StoredDid>(state.Dids, StringComparer.Ordinal) { [did] = next };
            var candidate = state with { Dids = dids };
            if (Check(candidate, through) is { } problem)
                return ProvisioningResult<DidView>.Invalid(problem.Field.StartsWith("dids", StringComparison.Ordinal) ? "flow" : problem.Field, problem.Message);
            var now = _time.GetUtcNow();
            var action = before is null ? "create" : "replace";
            await _store.SaveAsync([], [next], [DidAudit(now, actor, action, before, next)], now, cancellationToken);
            Publish(candidate);
            LogChanged(_log, actor, action, "did", did);
            return new ProvisioningResult<DidView>(before is null ? ProvisioningOutcome.Created : ProvisioningOutcome.Ok, View(next));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ProvisioningResult<DidView>> RemoveDidAsync(string actor, string did, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            if (state.Dids.GetValueOrDefault(did) is not { Removed: false } before)
                return ProvisioningResult<DidView>.NotFound($"no DID '{did}'");
            var next = before with { Source = ProvisioningSource.Api, Removed = true };
            var now = _time.GetUtcNow();
            await _store.SaveAsync([], [next], [DidAudit(now, actor, "delete", before, null)], now, cancellationToken);
            Publish(state with { Dids = new Dictionary<string, StoredDid>(state.Dids, StringComparer.Ordinal) { [did] = next } });
            LogChanged(_log, actor, "delete", "did", did);
            return new ProvisioningResult<DidView>(ProvisioningOutcome.Ok, View(before));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The first problem the trunk rules find in <paramref name="candidate"/>, as a field of trunk <paramref name="id"/> ("allowFrom:0").</summary>
    private (string Field, string Message)? Check(State candidate, string id)
    {
        var options = candidate.Options();
        var index = options.FindIndex(t => t.Id == id);
        var problems = TrunkRules.Check(options, FlowIds());
        var prefix = $"Trunks:{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}:";
        var own = problems.FirstOrDefault(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)) ?? (problems.Count > 0 ? problems[0] : null);
        if (own is null) return null;
        var field = own.Key.StartsWith(prefix, StringComparison.Ordinal) ? own.Key[prefix.Length..] : own.Key;
        return (field.Length > 0 ? char.ToLowerInvariant(field[0]) + field[1..] : field, own.Message);
    }

    /// <summary>The flows a DID may enter now (the flow provisioning applies the file's flows before the trunks at start and reload).</summary>
    private string[] FlowIds() => [.. _flows.Flows.Keys];

    /// <summary>Makes <paramref name="state"/> the running one: the voice path admits and routes the next call on it.</summary>
    private void Publish(State state)
    {
        _state = state;
        _directory.Replace([.. state.Options().Select(t => DaemonHost.Trunk(state.File, t))]);
    }

    private static string SettingsJson(TrunkOptions t)
    {
        var node = JsonSerializer.SerializeToNode(t, Json)!.AsObject();
        node.Remove("dids");
        return node.ToJsonString(Json);
    }

    private static TrunkOptions Deserialize(StoredTrunk t) => JsonSerializer.Deserialize<TrunkOptions>(t.SettingsJson, Json) ?? new TrunkOptions { Id = t.Id };

    /// <summary>A trunk's settings as shown and audited: passwords left out.</summary>
    private static JsonObject Redacted(StoredTrunk t)
    {
        var node = JsonNode.Parse(t.SettingsJson)!.AsObject();
        node.Remove("password");
        if (node["register"] is JsonObject register) register.Remove("password");
        return node;
    }

    private static TrunkView View(State state, StoredTrunk t)
    {
        using var settings = JsonDocument.Parse(Redacted(t).ToJsonString(Json));
        return new TrunkView(t.Id, t.Source, settings.RootElement.Clone(),
            state.LiveDids.Where(d => d.Trunk == t.Id).ToDictionary(d => d.Did, d => d.Flow, StringComparer.Ordinal));
    }

    private static DidView View(StoredDid d) => new(d.Did, d.Flow, d.Trunk, d.Source);

    private static AuditEntry TrunkAudit(DateTimeOffset at, string actor, string action, StoredTrunk? before, StoredTrunk? after) =>
        new(0, at, actor, action, "trunk", (before ?? after)!.Id, before is null ? null : Redacted(before).ToJsonString(Json),
            after is null ? null : Redacted(after).ToJsonString(Json));

    private static AuditEntry DidAudit(DateTimeOffset at, string actor, string action, StoredDid? before, StoredDid? after) =>
        new(0, at, actor, action, "did", (before ?? after)!.Did,
            before is null ? null : JsonSerializer.Serialize(new { before.Did, before.Flow, before.Trunk }, Json),
            after is null ? null : JsonSerializer.Serialize(new { after.Did, after.Flow, after.Trunk }, Json));

    private static string Known(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal)) : "(none)";

    /// <summary>The running trunks and DIDs (tombstones included) and the configuration they were applied with.</summary>
    private sealed record State(GatewayOptions File, IReadOnlyDictionary<string, StoredTrunk> Trunks, IReadOnlyDictionary<string, StoredDid> Dids)
    {
        public IEnumerable<StoredTrunk> LiveTrunks => Trunks.Values.Where(t => !t.Removed);

        public IEnumerable<StoredDid> LiveDids => Dids.Values.Where(d => !d.Removed);

        /// <summary>The live trunks in the configuration's shape, each with the DIDs routed through it (the file's order first).</summary>
        public List<TrunkOptions> Options()
        {
            var order = File.Trunks.Select((t, i) => (t.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
            return [.. LiveTrunks.OrderBy(t => order.GetValueOrDefault(t.Id, int.MaxValue)).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t =>
            {
                var options = Deserialize(t);
                options.Id = t.Id;
                options.Dids = LiveDids.Where(d => d.Trunk == t.Id).ToDictionary(d => d.Did, d => d.Flow, StringComparer.Ordinal);
                return options;
            })];
        }
    }

    [LoggerMessage(EventId = 20500, Level = LogLevel.Information, Message = "provisioning: {Actor} did {Action} on {Resource} '{Id}'")]
    private static partial void LogChanged(ILogger logger, string actor, string action, string resource, string id);

    [LoggerMessage(EventId = 20501, Level = LogLevel.Information, Message = "trunks: the configuration file applied ({Trunks} trunk and {Dids} DID rows changed); {Live} trunks and {LiveDids} DIDs now run")]
    private static partial void LogFileApplied(ILogger logger, int trunks, int dids, int live, int liveDids);

    [LoggerMessage(EventId = 20502, Level = LogLevel.Error, Message = "trunks: the configuration file's trunks were not applied (the running trunks stay): {Problem}")]
    private static partial void LogFileRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 20503, Level = LogLevel.Warning, Message = "trunks: trunk '{Trunk}' left the configuration file but carries {Calls} call(s); it stays until a reload after they end")]
    private static partial void LogFileRemovalHeld(ILogger logger, string trunk, int calls);
}
