using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Configuration;
using Ccgw.Core.Flows;
using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;

namespace Ccgw.Daemon.Flows;

/// <summary>
/// Flows at run time (issue 20). One path for every source of change: the configuration file at start and on SIGHUP
/// (<see cref="ApplyFileAsync"/>), and the admin API. A flow is checked with the configuration's own flow rules
/// (<see cref="FlowRules"/>: steps, prompts, queues as they run now), stored with its audit entry (one transaction), then
/// published to the daemon's one <see cref="FlowCatalog"/>: the next call (IVR) or chat (bot) starts in it, while a
/// conversation under way keeps the flow it entered (its run holds the definition it started with).
/// Precedence as for trunks: a flow changed through the API is the API's from then on (a reload leaves it, even
/// removed); those only the file ever set follow the file. A flow a DID or the IM entry routes to is never removed.
/// </summary>
internal sealed partial class FlowProvisioningService : IFlowProvisioning
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly IFlowProvisioningStore _store;
    private readonly FlowCatalog _catalog;
    private readonly Func<CancellationToken, Task<IReadOnlyCollection<string>>> _queueIds;
    private readonly Func<IReadOnlyList<DidView>> _dids;
    private readonly TimeProvider _time;
    private readonly ILogger<FlowProvisioningService> _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile State _state;

    /// <param name="queueIds">The queues routing knows now (the file's and those created at run time).</param>
    /// <param name="dids">The DIDs routed now (a flow one of them enters is not removed).</param>
    public FlowProvisioningService(IFlowProvisioningStore store, FlowCatalog catalog, GatewayOptions options,
        Func<CancellationToken, Task<IReadOnlyCollection<string>>> queueIds, Func<IReadOnlyList<DidView>> dids, TimeProvider time,
        ILogger<FlowProvisioningService> log)
    {
        _store = store;
        _catalog = catalog;
        _queueIds = queueIds;
        _dids = dids;
        _time = time;
        _log = log;
        _state = new State(options, new Dictionary<string, StoredFlow>(StringComparer.Ordinal));
    }

    /// <summary>
    /// The file's flows over the store (at start, and on SIGHUP with the re-read, validated file): those the file owns
    /// follow it, those the API changed stay. A flow that left the file but is still routed to (a DID the API set) stays.
    /// </summary>
    public async Task ApplyFileAsync(GatewayOptions file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var flows = (await _store.ListFlowsAsync(cancellationToken)).ToDictionary(f => f.Id, StringComparer.Ordinal);
            var changed = new List<StoredFlow>();
            var audit = new List<AuditEntry>();
            var actor = ProvisioningService.FileActor;
            foreach (var (id, options) in file.Flows)
            {
                var next = new StoredFlow(id, DefinitionJson(options), ProvisioningSource.File, Removed: false);
                var before = flows.GetValueOrDefault(id);
                if (before is { Source: ProvisioningSource.Api } || before == next) continue;
                changed.Add(flows[id] = next);
                audit.Add(Audit(now, actor, before is null || before.Removed ? "seed" : "update", before is { Removed: false } ? before : null, next));
            }
            foreach (var before in flows.Values.Where(f => f is { Source: ProvisioningSource.File, Removed: false } && !file.Flows.ContainsKey(f.Id)).ToList())
            {
                if (UsersOf(file, before.Id) is { Count: > 0 } users)
                {
                    var named = string.Join(", ", users);
                    LogFileRemovalHeld(_log, before.Id, named);
                    continue;
                }
                changed.Add(flows[before.Id] = before with { Removed = true });
                audit.Add(Audit(now, actor, "delete", before, null));
            }
            if (changed.Count > 0)
                await _store.SaveFlowsAsync(changed, audit, now, cancellationToken);
            var state = new State(file, flows);
            Publish(state);
            var live = state.Live.Count();
            LogFileApplied(_log, changed.Count, live);
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<FlowView> ListFlows()
    {
        var state = _state;
        return [.. state.Live.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => View(state, f))];
    }

    public FlowView? GetFlow(string id)
    {
        var state = _state;
        return state.Flows.GetValueOrDefault(id) is { Removed: false } f ? View(state, f) : null;
    }

    public async Task<ProvisioningResult<FlowView>> PutFlowAsync(string actor, string id, JsonElement definition, CancellationToken cancellationToken)
    {
        if (definition.ValueKind != JsonValueKind.Object)
            return ProvisioningResult<FlowView>.Invalid("body", "give the flow as a JSON object, e.g. { \"start\": \"q\", \"steps\": { \"q\": { \"type\": \"queue\", \"queue\": \"billing\" } } }");
        if (definition.TryGetProperty("id", out var bodyId) && bodyId.ValueKind == JsonValueKind.String && bodyId.GetString() != id)
            return ProvisioningResult<FlowView>.Invalid("id", $"the body names '{bodyId.GetString()}' but the path '{id}'");
        FlowOptions flow;
        try
        {
            flow = definition.Deserialize<FlowOptions>(Json) ?? new FlowOptions();
        }
        catch (JsonException e)
        {
            return ProvisioningResult<FlowView>.Invalid(e.Path is { Length: > 2 } path ? path[2..] : "body", e.Message);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            var problems = FlowRules.Check(id, flow, [.. _catalog.Prompts.Keys], await _queueIds(cancellationToken));
            if (problems.Count > 0)
            {
                var first = problems[0];
                return ProvisioningResult<FlowView>.Invalid(Field(id, first.Key), first.Message);
            }
            var before = state.Flows.GetValueOrDefault(id) is { Removed: false } b ? b : null;
            var next = new StoredFlow(id, DefinitionJson(flow), ProvisioningSource.Api, Removed: false);
            var candidate = state with { Flows = new Dictionary<string, StoredFlow>(state.Flows, StringComparer.Ordinal) { [id] = next } };
            var now = _time.GetUtcNow();
            var action = before is null ? "create" : "replace";
            await _store.SaveFlowsAsync([next], [Audit(now, actor, action, before, next)], now, cancellationToken);
            Publish(candidate);
            LogChanged(_log, actor, action, id);
            return new ProvisioningResult<FlowView>(before is null ? ProvisioningOutcome.Created : ProvisioningOutcome.Ok, View(candidate, next));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ProvisioningResult<FlowView>> RemoveFlowAsync(string actor, string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = _state;
            if (state.Flows.GetValueOrDefault(id) is not { Removed: false } before)
                return ProvisioningResult<FlowView>.NotFound($"no flow '{id}'");
            if (UsersOf(state.File, id) is { Count: > 0 } users)
                return ProvisioningResult<FlowView>.Conflict($"flow '{id}' is used by {string.Join(", ", users)}; route them to another flow first");
            var view = View(state, before);
            var next = before with { Source = ProvisioningSource.Api, Removed = true };
            var now = _time.GetUtcNow();
            await _store.SaveFlowsAsync([next], [Audit(now, actor, "delete", before, null)], now, cancellationToken);
            Publish(state with { Flows = new Dictionary<string, StoredFlow>(state.Flows, StringComparer.Ordinal) { [id] = next } });
            LogChanged(_log, actor, "delete", id);
            return new ProvisioningResult<FlowView>(ProvisioningOutcome.Ok, view);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Who routes to flow <paramref name="id"/>: each DID that enters it, and the IM entry (<c>Im:Flow</c>).</summary>
    private List<string> UsersOf(GatewayOptions file, string id)
    {
        var users = _dids().Where(d => d.Flow == id).OrderBy(d => d.Did, StringComparer.Ordinal).Select(d => $"DID {d.Did} (trunk {d.Trunk})").ToList();
        if (file.Im.Flow == id) users.Add("Im:Flow (the IM support address and queue addresses)");
        return users;
    }

    /// <summary>A rule's key (<c>Flows:{id}:Steps:menu:Options:1</c>) as a field of the body (<c>steps:menu:options:1</c>).</summary>
    private static string Field(string id, string key)
    {
        var prefix = $"Flows:{id}";
        var rest = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..].TrimStart(':') : key;
        if (rest.Length == 0) return "id";
        // Property names camelCase as in the body; step ids and option keys as given.
        var parts = rest.Split(':');
        var field = new string[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            field[i] = i is 0 || i == 2 && parts[0] == "Steps" ? Camel(parts[i]) : parts[i];
        return string.Join(':', field);

        static string Camel(string name) => name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : name;
    }

    /// <summary>Makes <paramref name="state"/> the running one: the next call or chat starts in its flows.</summary>
    private void Publish(State state)
    {
        _state = state;
        _catalog.ReplaceFlows(state.Live.ToDictionary(f => f.Id, f => FlowDefinitions.Flow(f.Id, Deserialize(f)), StringComparer.Ordinal));
    }

    private static string DefinitionJson(FlowOptions flow) => JsonSerializer.Serialize(flow, Json);

    private static FlowOptions Deserialize(StoredFlow f) => JsonSerializer.Deserialize<FlowOptions>(f.DefinitionJson, Json) ?? new FlowOptions();

    private FlowView View(State state, StoredFlow f)
    {
        using var definition = JsonDocument.Parse(f.DefinitionJson);
        return new FlowView(f.Id, f.Source, definition.RootElement.Clone(), UsersOf(state.File, f.Id));
    }

    private static AuditEntry Audit(DateTimeOffset at, string actor, string action, StoredFlow? before, StoredFlow? after) =>
        new(0, at, actor, action, "flow", (before ?? after)!.Id, before?.DefinitionJson, after?.DefinitionJson);

    /// <summary>The running flows (tombstones included) and the configuration they were applied with.</summary>
    private sealed record State(GatewayOptions File, IReadOnlyDictionary<string, StoredFlow> Flows)
    {
        public IEnumerable<StoredFlow> Live => Flows.Values.Where(f => !f.Removed);
    }

    [LoggerMessage(EventId = 20600, Level = LogLevel.Information, Message = "provisioning: {Actor} did {Action} on flow '{Id}'; the next call or chat follows it")]
    private static partial void LogChanged(ILogger logger, string actor, string action, string id);

    [LoggerMessage(EventId = 20601, Level = LogLevel.Information, Message = "flows: the configuration file applied ({Changed} flow rows changed); {Live} flows now run")]
    private static partial void LogFileApplied(ILogger logger, int changed, int live);

    [LoggerMessage(EventId = 20602, Level = LogLevel.Warning, Message = "flows: flow '{Flow}' left the configuration file but is used by {Users}; it stays until they are routed elsewhere")]
    private static partial void LogFileRemovalHeld(ILogger logger, string flow, string users);
}
