using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ccgw.Core;

namespace Ccgw.Voice;

/// <summary>
/// Every live call and call-back, and the indexes that find them: by the adapter's key (the core's ChannelKey), by
/// the caller's INVITE transaction (CANCEL), by dialog id (in-dialog requests of either leg) and by the Call-ID of a
/// leg we placed (2xx retransmissions). Written from the SIP stack's threads and the core's event loop; each index is
/// a concurrent map, and a call removes all its entries once, on clean-up.
/// </summary>
internal sealed class CallRegistry
{
    private readonly ConcurrentDictionary<string, VoiceCall> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VoiceCall> _byInvite = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DialogRoute> _byDialog = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OutboundLeg> _legsByCallId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallbackCall> _callbacksById = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallbackRoute> _callbackDialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<int>> _trunkLines = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes one of the trunk's outbound call-back lines, atomically against other call-backs taking theirs (a count
    /// then a separate mark would let two pass at the last free line); false when <paramref name="max"/> are in use.
    /// </summary>
    public bool TryTakeTrunkLine(string trunkId, int? max)
    {
        var lines = _trunkLines.GetOrAdd(trunkId, _ => new StrongBox<int>());
        lock (lines)
        {
            if (max is { } cap && lines.Value >= cap) return false;
            lines.Value++;
            return true;
        }
    }

    public void ReleaseTrunkLine(string trunkId)
    {
        if (!_trunkLines.TryGetValue(trunkId, out var lines)) return;
        lock (lines) lines.Value = Math.Max(0, lines.Value - 1);
    }

    /// <summary>Outbound call-back lines the trunk has in use (dialling or connected).</summary>
    public int TrunkLinesInUse(string trunkId)
    {
        if (!_trunkLines.TryGetValue(trunkId, out var lines)) return 0;
        lock (lines) return lines.Value;
    }

    public int ActiveCalls => _byKey.Count;

    public int ActiveCallbacks => _callbacksById.Count;

    public ICollection<VoiceCall> Calls => _byKey.Values;

    public ICollection<CallbackCall> Callbacks => _callbacksById.Values;

    /// <summary>An answered trunk call: found by its key, its INVITE (for CANCEL) and the caller's dialog.</summary>
    public void Add(VoiceCall call)
    {
        _byKey[call.Key] = call;
        _byInvite[call.Caller.Transaction.Key] = call;
        _byDialog[call.Caller.DialogId] = new DialogRoute(call, null);
    }

    /// <summary>The voice call an interaction of the core belongs to (channel voice, our key), if it is live.</summary>
    public VoiceCall? CallOf(InteractionView view) =>
        view.Channel == InteractionChannel.Voice && view.ChannelKey is { } key && _byKey.TryGetValue(key, out var call) ? call : null;

    public VoiceCall? CallByInvite(string transactionKey) => _byInvite.GetValueOrDefault(transactionKey);

    public DialogRoute? CallDialog(string dialogId) => _byDialog.GetValueOrDefault(dialogId);

    public CallbackRoute? CallbackDialog(string dialogId) => _callbackDialogs.GetValueOrDefault(dialogId);

    public OutboundLeg? LegByCallId(string callId) => _legsByCallId.GetValueOrDefault(callId);

    public CallbackCall? Callback(string interactionId) => _callbacksById.GetValueOrDefault(interactionId);

    /// <summary>The call-back for the interaction, made by <paramref name="create"/> on its first offer.</summary>
    public CallbackCall GetOrAddCallback(string interactionId, Func<string, CallbackCall> create) => _callbacksById.GetOrAdd(interactionId, create);

    /// <summary>An agent leg of <paramref name="call"/>: its 2xx retransmissions now, its in-dialog requests once it has a dialog.</summary>
    public void RouteAgentLeg(OutboundLeg leg, VoiceCall call)
    {
        _legsByCallId[leg.CallId] = leg;
        leg.DialogEstablished += l => _byDialog[l.DialogId!] = new DialogRoute(call, l);
    }

    /// <summary>A leg of a call-back (the agent's or the customer's), routed as <see cref="RouteAgentLeg"/> does.</summary>
    public void RouteCallbackLeg(OutboundLeg leg, CallbackCall call)
    {
        _legsByCallId[leg.CallId] = leg;
        leg.DialogEstablished += l => _callbackDialogs[l.DialogId!] = new CallbackRoute(call, l);
    }

    public void Forget(VoiceCall call, OutboundLeg? lastAgentLeg)
    {
        _byKey.TryRemove(call.Key, out _);
        _byInvite.TryRemove(call.Caller.Transaction.Key, out _);
        _byDialog.TryRemove(call.Caller.DialogId, out _);
        foreach (var (id, route) in _byDialog)
            if (route.Call == call)
            {
                _byDialog.TryRemove(id, out _);
                if (route.AgentLeg is { } leg) _legsByCallId.TryRemove(leg.CallId, out _);
            }
        if (lastAgentLeg is not null) _legsByCallId.TryRemove(lastAgentLeg.CallId, out _);
    }

    public void ForgetCallback(CallbackCall call, params ReadOnlySpan<OutboundLeg?> legs)
    {
        _callbacksById.TryRemove(new KeyValuePair<string, CallbackCall>(call.Id, call));
        foreach (var (id, route) in _callbackDialogs)
            if (route.Call == call)
            {
                _callbackDialogs.TryRemove(id, out _);
                _legsByCallId.TryRemove(route.Leg.CallId, out _);
            }
        foreach (var leg in legs)
            if (leg is not null) _legsByCallId.TryRemove(leg.CallId, out _);
    }
}

/// <summary>A dialog of a voice call: the caller's (no agent leg) or one of its agent legs.</summary>
internal sealed record DialogRoute(VoiceCall Call, OutboundLeg? AgentLeg);

/// <summary>A dialog of a call-back: one of its two legs.</summary>
internal sealed record CallbackRoute(CallbackCall Call, OutboundLeg Leg);
