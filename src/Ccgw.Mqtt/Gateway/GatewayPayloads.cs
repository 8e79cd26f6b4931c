using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// The JSON documents of CONTRACT §6: camelCase names, enums as camelCase strings, times ISO 8601 UTC
/// with milliseconds. Written with <see cref="Utf8JsonWriter"/> so the shapes are explicit here, not inferred.
/// </summary>
public static class GatewayPayloads
{
    public static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    public static byte[] Presence(AgentPresence p) => Write(w =>
    {
        w.WriteString("agentId", p.AgentId);
        w.WriteString("state", Name(p.State));
        WriteOptional(w, "reason", p.Reason);
        w.WriteString("since", Time(p.Since));
        w.WriteStartObject("channels");
        WriteChannel(w, "voice", p.Load.Voice, p.Capacity.Voice);
        WriteChannel(w, "im", p.Load.Im, p.Capacity.Im);
        w.WriteEndObject();
        w.WriteStartArray("interactions");
        foreach (var id in p.InteractionIds) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteStartArray("lostDevices");
        foreach (var d in p.LostDevices) w.WriteStringValue(d);
        w.WriteEndArray();
        // The voice calls of "interactions" the agent put on hold (console "hold"; empty when none).
        w.WriteStartArray("held");
        foreach (var id in p.HeldInteractionIds) w.WriteStringValue(id);
        w.WriteEndArray();
        // Issue 19: hand-overs this agent takes part in, as the agent handing over ("from") or the reserved target
        // ("to"); empty when none. The page shows Complete transfer / Cancel to the "from" agent.
        w.WriteStartArray("consults");
        foreach (var c in p.Consults)
        {
            w.WriteStartObject();
            w.WriteString("interactionId", c.InteractionId);
            w.WriteString("from", c.FromAgentId);
            w.WriteString("to", c.TargetAgentId);
            w.WriteString("since", Time(c.Since));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary><c>ccgw/clients/{customerId}/presence</c>: state online/away/dnd/offline; preferredContact null when unknown.</summary>
    public static byte[] ClientPresence(ClientPresence p) => Write(w =>
    {
        w.WriteString("customerId", p.CustomerId);
        w.WriteString("state", Name(p.State));
        if (p.PreferredContact is { } pc) WritePreferredContact(w, pc);
        else w.WriteNull("preferredContact");
        w.WriteString("since", Time(p.Since));
    });

    public static byte[] QueueStats(QueueStats s) => Write(w =>
    {
        w.WriteString("queue", s.QueueId);
        w.WriteNumber("waiting", s.Waiting);
        w.WriteNumber("agentsReady", s.AgentsReady);
        w.WriteNumber("agentsBusy", s.AgentsBusy);
        WriteNumber(w, "ewtSeconds", s.EwtSeconds);
        w.WriteNumber("longestWaitSeconds", Math.Round(s.LongestWaitSeconds, 1));
        w.WriteNumber("answered", s.Answered);
        w.WriteNumber("abandoned", s.Abandoned);
        WriteNumber(w, "serviceLevel", s.ServiceLevel);
        w.WriteString("updatedAt", Time(s.UpdatedAt));
    });

    /// <summary>
    /// <c>ccgw/queues/{queue}/callbacks</c>. Never the customer's number or IM address: every agent of the site may read
    /// <c>ccgw/queues/#</c>, and only the agent offered a call-back gets its address (in the offer).
    /// </summary>
    public static byte[] CallbackList(CallbackQueueList list, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("queue", list.QueueId);
        w.WriteNumber("pending", list.Pending);
        w.WriteNumber("dueNow", list.DueNow);
        w.WriteStartArray("items");
        foreach (var c in list.Items)
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("status", Name(c.Status));
            w.WriteString("scheduledAt", Time(c.ScheduledAt));
            w.WriteNumber("priority", c.Priority);
            w.WriteNumber("attempts", c.Attempts);
            WriteOptional(w, "lastOutcome", c.LastOutcome);
            WriteOptional(w, "customerId", c.CustomerId);
            WriteOptional(w, "name", c.Name);
            WriteOptional(w, "topic", c.Topic);
            WriteOptional(w, "pageUrl", c.PageUrl);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("updatedAt", Time(at));
    });

    /// <summary><c>ccgw/center/status</c>: gateway online/offline plus the centre totals while online.</summary>
    public static byte[] CenterStatus(string site, CenterTotals? totals, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("gateway", totals is null ? "offline" : "online");
        w.WriteString("site", site);
        if (totals is not null)
        {
            w.WriteNumber("waiting", totals.Waiting);
            w.WriteNumber("agentsReady", totals.AgentsReady);
            w.WriteNumber("agentsBusy", totals.AgentsBusy);
            w.WriteNumber("agentsWrapUp", totals.AgentsWrapUp);
            w.WriteNumber("agentsNotReady", totals.AgentsNotReady);
            w.WriteNumber("agentsOffline", totals.AgentsOffline);
            w.WriteNumber("longestWaitSeconds", Math.Round(totals.LongestWaitSeconds, 1));
        }
        w.WriteString("updatedAt", Time(at));
    });

    public static byte[] Offer(Offer offer, Customer? customer, SelfHelpBrief? selfHelp = null) => Write(w =>
    {
        var request = offer.Interaction.Request;
        w.WriteString("type", "offer");
        w.WriteString("interactionId", offer.InteractionId);
        w.WriteString("channel", Name(offer.Channel));
        w.WriteString("queue", offer.QueueId);
        w.WriteNumber("waitedSeconds", Math.Round(offer.WaitedSeconds, 1));
        w.WriteString("expiresAt", Time(offer.ExpiresAt));
        WriteOptional(w, "address", request.Address);
        if (customer is null)
        {
            w.WriteNull("customer");
        }
        else
        {
            w.WriteStartObject("customer");
            WriteCustomer(w, customer);
            w.WriteEndObject();
        }
        WriteSelfHelp(w, selfHelp ?? SelfHelpBrief.Empty);
        WriteOptional(w, "url", request.PageUrl);
        WriteOptional(w, "reason", request.Topic ?? request.Product);
        WriteOptional(w, "product", request.Product);
        // How the customer asked to be helped (issue 18): only help requests carry it, live calls and chats leave it out.
        if (request.Medium is { } medium) w.WriteString("medium", HelpMediums.Name(medium));
        WriteClient(w, request);
        if (request.Variables is { Count: > 0 } variables)
        {
            w.WriteStartObject("variables");
            foreach (var (name, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
                w.WriteString(name, value);
            w.WriteEndObject();
        }
    });

    /// <summary>
    /// The customer's client as the channel learned it (XEP-0092 name, version, OS; XEP-0030 features), null when the
    /// channel learned nothing: the agent sees what the other side can render before accepting.
    /// </summary>
    private static void WriteClient(Utf8JsonWriter w, InteractionRequest request)
    {
        var features = request.Capabilities?
            .Where(c => !c.StartsWith("software:", StringComparison.Ordinal) && !c.StartsWith("os:", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList() ?? [];
        if (request.Client is null && features.Count == 0)
        {
            w.WriteNull("client");
            return;
        }
        w.WriteStartObject("client");
        WriteOptional(w, "name", request.Client?.Name);
        WriteOptional(w, "version", request.Client?.Version);
        WriteOptional(w, "os", request.Client?.Os);
        w.WriteStartArray("features");
        foreach (var feature in features) w.WriteStringValue(feature);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static byte[] OfferClosed(Offer offer, OfferOutcome outcome, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("type", "offerClosed");
        w.WriteString("interactionId", offer.InteractionId);
        w.WriteString("outcome", Name(outcome));
        w.WriteString("at", Time(at));
    });

    public static byte[] InteractionEvent(CoreEvent e) => Write(w =>
    {
        switch (e)
        {
            case InteractionStateChanged s:
                w.WriteString("type", "stateChanged");
                WriteInteraction(w, s.Interaction);
                if (s.From is { } from) w.WriteString("from", Name(from));
                WriteOptional(w, "reason", s.Reason);
                break;
            case InteractionHoldChanged h:
                w.WriteString("type", h.Held ? "held" : "resumed");
                WriteInteraction(w, h.Interaction);
                w.WriteString("agentId", h.AgentId);
                break;
            case InteractionConsultChanged c:
                // consultStarted, consultCompleted, consultCancelled (issue 19).
                w.WriteString("type", "consult" + c.Phase);
                WriteInteraction(w, c.Interaction);
                w.WriteString("from", c.FromAgentId);
                w.WriteString("to", c.TargetAgentId);
                w.WriteBoolean("blind", c.Blind);
                WriteOptional(w, "reason", c.Reason);
                break;
            case OfferMade o:
                w.WriteString("type", "offered");
                WriteInteraction(w, o.Offer.Interaction);
                w.WriteString("agentId", o.Offer.AgentId);
                break;
            case OfferClosed c:
                w.WriteString("type", "offerClosed");
                WriteInteraction(w, c.Offer.Interaction);
                w.WriteString("agentId", c.Offer.AgentId);
                w.WriteString("outcome", Name(c.Outcome));
                break;
            default:
                throw new ArgumentException($"{e.GetType().Name} is not an interaction event", nameof(e));
        }
        w.WriteNumber("sequence", e.Sequence);
        w.WriteString("at", Time(e.At));
    });

    public static byte[] Error(string agentId, string? action, string code, string message, string? interactionId, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("agentId", agentId);
        WriteOptional(w, "action", action);
        w.WriteString("error", code);
        w.WriteString("message", message);
        WriteOptional(w, "interactionId", interactionId);
        w.WriteString("at", Time(at));
    });

    /// <summary>Issue 19: a supervisor command that was not applied (<c>ccgw/supervisors/{id}/errors</c>).</summary>
    public static byte[] SupervisorError(string supervisorId, string? action, string code, string message, string? subjectId, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("supervisorId", supervisorId);
        WriteOptional(w, "action", action);
        w.WriteString("error", code);
        w.WriteString("message", message);
        WriteOptional(w, "id", subjectId);
        w.WriteString("at", Time(at));
    });

    private static void WriteInteraction(Utf8JsonWriter w, InteractionView i)
    {
        w.WriteString("interactionId", i.Id);
        w.WriteString("state", Name(i.State));
        w.WriteString("channel", Name(i.Channel));
        w.WriteString("queue", i.QueueId);
        if (i.AgentId is { } agent && i.State is not InteractionState.Queued) w.WriteString("agentId", agent);
    }

    private static void WriteCustomer(Utf8JsonWriter w, Customer c)
    {
        w.WriteString("id", c.Id);
        w.WriteString("name", c.Name);
        w.WriteStartArray("phones");
        foreach (var p in c.Phones) w.WriteStringValue(p);
        w.WriteEndArray();
        w.WriteStartArray("imAddresses");
        foreach (var a in c.ImAddresses) w.WriteStringValue(a);
        w.WriteEndArray();
        w.WriteStartArray("products");
        foreach (var p in c.Products)
        {
            w.WriteStartObject();
            w.WriteString("code", p.Code);
            w.WriteString("name", p.Name);
            if (p.Since is { } since) w.WriteString("since", Time(since));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("orders");
        foreach (var o in c.Orders)
        {
            w.WriteStartObject();
            w.WriteString("orderId", o.OrderId);
            w.WriteString("status", o.Status);
            w.WriteString("placedAt", Time(o.PlacedAt));
            WriteOptional(w, "productCode", o.ProductCode);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (c.PreferredContact is { } pc) WritePreferredContact(w, pc);
        WriteOptional(w, "email", c.Email);
        if (c.Interests is { Count: > 0 } interests)
        {
            w.WriteStartArray("interests");
            foreach (var i in interests) w.WriteStringValue(i);
            w.WriteEndArray();
        }
        // What the customer changed on their own page lately (issue 17): the agent sees it before answering.
        if (c.RecentChanges is { Count: > 0 } changes)
        {
            w.WriteStartArray("recentChanges");
            foreach (var ch in changes)
            {
                w.WriteStartObject();
                w.WriteString("field", ch.Field);
                w.WriteString("at", Time(ch.At));
                w.WriteString("by", ch.Actor);
                WriteOptional(w, "before", ch.Before);
                WriteOptional(w, "after", ch.After);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
    }

    /// <summary>The wizard steps the customer took before this interaction, oldest first, and their recent orders with each status change.</summary>
    private static void WriteSelfHelp(Utf8JsonWriter w, SelfHelpBrief brief)
    {
        w.WriteStartArray("selfHelp");
        foreach (var t in brief.Trail)
        {
            w.WriteStartObject();
            w.WriteString("wizard", t.WizardId);
            w.WriteNumber("version", t.WizardVersion);
            w.WriteString("step", t.StepId);
            w.WriteString("title", t.StepTitle);
            w.WriteString("at", Time(t.At));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("orders");
        foreach (var o in brief.Orders)
        {
            w.WriteStartObject();
            w.WriteString("orderId", o.OrderId);
            w.WriteString("item", o.ItemId);
            w.WriteString("itemName", o.ItemName);
            w.WriteString("product", o.Product);
            w.WriteNumber("quantity", o.Quantity);
            w.WriteString("status", OrderLifecycle.Name(o.Status));
            w.WriteString("placedAt", Time(o.PlacedAt));
            w.WriteStartArray("statusChanges");
            foreach (var change in o.History)
            {
                w.WriteStartObject();
                w.WriteString("status", OrderLifecycle.Name(change.Status));
                w.WriteString("at", Time(change.At));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WritePreferredContact(Utf8JsonWriter w, PreferredContact pc)
    {
        w.WriteStartObject("preferredContact");
        w.WriteString("channel", Name(pc.Channel));
        WriteOptional(w, "address", pc.Address);
        WriteOptional(w, "hours", pc.Hours);
        w.WriteEndObject();
    }

    private static void WriteChannel(Utf8JsonWriter w, string name, int load, int capacity)
    {
        w.WriteStartObject(name);
        w.WriteNumber("load", load);
        w.WriteNumber("capacity", capacity);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, Math.Round(v, 1));
        else w.WriteNull(name);
    }

    // MQTT payloads are not embedded in HTML: keep quotes and non-ASCII readable for console developers.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
