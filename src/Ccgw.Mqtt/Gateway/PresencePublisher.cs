using System.Threading.Channels;
using Ccgw.Core;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Turns the core's event stream into the gateway's MQTT state (CONTRACT §6): retained agent presence (at once),
/// retained queue statistics and centre status (coalesced to 10 per second per topic), retained client presence, interaction lifecycle
/// events, and screen pops via <see cref="ScreenPopPublisher"/>. On start, and again after falling behind the
/// core, it republishes the whole snapshot so late subscribers always find current retained state.
/// </summary>
public sealed partial class PresencePublisher(
    RoutingEngine engine,
    GatewayOutbox outbox,
    StatsCoalescer coalescer,
    ScreenPopPublisher screenPops,
    TimeProvider time,
    string siteName,
    ILogger<PresencePublisher> log)
{
    private readonly AgentClientPresence _agentClients = new();

    /// <summary>Subscribes to the core and publishes the snapshot; returns the reader to hand to <see cref="RunAsync"/>.</summary>
    public async Task<(ChannelReader<CoreEvent> Events, long Version)> StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before reading the snapshot: events after it are then all in the stream, older ones are skipped by sequence.
        var events = engine.Subscribe(cancellationToken);
        var snapshot = engine.Snapshot;
        await PublishSnapshotAsync(snapshot, cancellationToken);
        foreach (var (agentId, customerId) in _agentClients.Prune(snapshot))
            await PublishAgentClientAsync(agentId, customerId, visible: false, snapshot, cancellationToken);
        return (events, snapshot.Version);
    }

    public async Task RunAsync(ChannelReader<CoreEvent> events, long version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in events.ReadAllAsync(cancellationToken))
                {
                    if (e.Sequence <= version) continue;
                    await HandleAsync(e, cancellationToken);
                }
                return;
            }
            catch (EventStreamOverflowException e)
            {
                LogResync(log, e.Message);
                (events, version) = await StartAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public async Task PublishSnapshotAsync(CenterSnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var presence in snapshot.Agents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal))
            if (GatewayTopics.IsTopicLevel(presence.AgentId))
                await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Presence(presence.AgentId), GatewayPayloads.Presence(presence), retain: true), cancellationToken);
        foreach (var stats in snapshot.Queues.Values.OrderBy(q => q.QueueId, StringComparer.Ordinal))
            if (GatewayTopics.IsTopicLevel(stats.QueueId))
                await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.QueueStats(stats.QueueId), GatewayPayloads.QueueStats(stats), retain: true), cancellationToken);
        foreach (var client in snapshot.Clients.Values.OrderBy(c => c.CustomerId, StringComparer.Ordinal))
            await PublishClientAsync(client, cancellationToken);
        await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.CenterStatus,
            GatewayPayloads.CenterStatus(siteName, snapshot.Totals, time.GetUtcNow()), retain: true), cancellationToken);
    }

    private async ValueTask PublishClientAsync(ClientPresence presence, CancellationToken cancellationToken)
    {
        if (GatewayTopics.IsTopicLevel(presence.CustomerId))
            await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.ClientPresence(presence.CustomerId),
                GatewayPayloads.ClientPresence(presence), retain: true), cancellationToken);
    }

    /// <summary>
    /// The customer's presence in the agent's own subtree while the agent holds one of the customer's interactions
    /// (offline when the core has none: it keeps only customers not offline), else the retained copy cleared.
    /// </summary>
    private async ValueTask PublishAgentClientAsync(string agentId, string customerId, bool visible, CenterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var topic = AgentClientPresence.Topic(agentId, customerId);
        if (!visible)
        {
            await outbox.WriteAsync(GatewayOutbox.Json(topic, [], retain: true), cancellationToken);
            return;
        }
        var presence = snapshot.Clients.TryGetValue(customerId, out var known) ? known
            : new ClientPresence(customerId, ClientPresenceState.Offline, null, time.GetUtcNow());
        await outbox.WriteAsync(GatewayOutbox.Json(topic, GatewayPayloads.ClientPresence(presence), retain: true), cancellationToken);
    }

    private async ValueTask HandleAsync(CoreEvent e, CancellationToken cancellationToken)
    {
        if (_agentClients.Apply(e) is { } change)
            await PublishAgentClientAsync(change.AgentId, change.CustomerId, change.Visible, engine.Snapshot, cancellationToken);
        switch (e)
        {
            case AgentStateChanged changed:
                if (GatewayTopics.IsTopicLevel(changed.Presence.AgentId))
                    await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Presence(changed.Presence.AgentId),
                        GatewayPayloads.Presence(changed.Presence), retain: true), cancellationToken);
                await PublishCenterAsync(cancellationToken);
                break;
            case QueueStatsChanged stats:
                if (GatewayTopics.IsTopicLevel(stats.Stats.QueueId))
                    await coalescer.SubmitAsync(GatewayOutbox.Json(GatewayTopics.QueueStats(stats.Stats.QueueId),
                        GatewayPayloads.QueueStats(stats.Stats), retain: true), cancellationToken);
                await PublishCenterAsync(cancellationToken);
                break;
            case ClientPresenceChanged client:
                await PublishClientAsync(client.Presence, cancellationToken);
                foreach (var agentId in _agentClients.AgentsOf(client.Presence.CustomerId))
                    await outbox.WriteAsync(GatewayOutbox.Json(AgentClientPresence.Topic(agentId, client.Presence.CustomerId),
                        GatewayPayloads.ClientPresence(client.Presence), retain: true), cancellationToken);
                break;
            case InteractionStateChanged changed:
                await PublishInteractionEventAsync(changed.Interaction.Id, e, cancellationToken);
                break;
            case InteractionHoldChanged hold:
                await PublishInteractionEventAsync(hold.Interaction.Id, e, cancellationToken);
                break;
            case InteractionConsultChanged consult:
                await PublishInteractionEventAsync(consult.Interaction.Id, e, cancellationToken);
                // The target's phone did not take the consult: the first agent's console says so, like a refused command.
                if (consult.Failed && GatewayTopics.IsTopicLevel(consult.FromAgentId))
                    await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Errors(consult.FromAgentId),
                        GatewayPayloads.Error(consult.FromAgentId, "consult", "consultFailed", consult.Reason ?? "the consult ended",
                            consult.Interaction.Id, time.GetUtcNow()), retain: false), cancellationToken);
                break;
            case OfferMade made:
                await PublishInteractionEventAsync(made.Offer.InteractionId, e, cancellationToken);
                await screenPops.EnqueueAsync(e, cancellationToken);
                break;
            case OfferClosed closed:
                await PublishInteractionEventAsync(closed.Offer.InteractionId, e, cancellationToken);
                await screenPops.EnqueueAsync(e, cancellationToken);
                break;
        }
    }

    private ValueTask PublishCenterAsync(CancellationToken cancellationToken) =>
        coalescer.SubmitAsync(GatewayOutbox.Json(GatewayTopics.CenterStatus,
            GatewayPayloads.CenterStatus(siteName, engine.Snapshot.Totals, time.GetUtcNow()), retain: true), cancellationToken);

    private async ValueTask PublishInteractionEventAsync(string interactionId, CoreEvent e, CancellationToken cancellationToken)
    {
        if (!GatewayTopics.IsTopicLevel(interactionId)) return;
        var message = GatewayOutbox.Json(GatewayTopics.InteractionEvents(interactionId), GatewayPayloads.InteractionEvent(e), retain: false);
        await outbox.WriteAsync(message, cancellationToken);
    }

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "MQTT publisher fell behind the routing core ({Reason}); republishing the snapshot")]
    private static partial void LogResync(ILogger logger, string reason);
}
