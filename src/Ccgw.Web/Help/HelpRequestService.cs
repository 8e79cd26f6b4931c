using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;

namespace Ccgw.Web.Help;

/// <summary>Site-wide settings of the help page and API.</summary>
/// <param name="Documents">Per topic (queue id, case-insensitive), the downloads offered when "documents" is chosen (SelfHelp:TopicDocuments).</param>
/// <param name="Flows">Per topic (queue id, case-insensitive), the flow an automated call-back runs (SelfHelp:TopicFlows).</param>
public sealed record HelpSiteOptions(string SiteName, TimeSpan DefaultHandleTime, int PageSlotsPerTopic = 24,
    IReadOnlyDictionary<string, IReadOnlyList<HelpDocument>>? Documents = null, IReadOnlyDictionary<string, string>? Flows = null)
{
    /// <summary>Whether the topic offers an automated IVR call-back.</summary>
    public bool HasFlow(string topic) => Flows?.Keys.Any(k => string.Equals(k, topic, StringComparison.OrdinalIgnoreCase)) == true;

    public bool HasFlows => Flows is { Count: > 0 };

    /// <summary>The topic's documents; empty when it has none.</summary>
    public IReadOnlyList<HelpDocument> DocumentsFor(string topic) =>
        Documents?.FirstOrDefault(d => string.Equals(d.Key, topic, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    public bool HasDocuments => Documents?.Values.Any(d => d.Count > 0) == true;
}

/// <summary>A download offered for a topic: the link's text and its address (under /self-help/content/).</summary>
public sealed record HelpDocument(string Title, string Url);

/// <summary>The answer to a request that creates no call-back: the chat window to go to, or the topic's documents.</summary>
public sealed record HelpMediumView(string Medium, string Topic, string? ChatUrl, IReadOnlyList<HelpDocument> Documents);

/// <summary>The answer to a help request and to its status query (CONTRACT §7: id, position, ewtSeconds, status).</summary>
public sealed record HelpRequestView(string Id, int Position, double? EwtSeconds, CallbackStatus Status, DateTimeOffset ScheduledAt,
    string Topic, int Attempts, string? LastOutcome, bool Updated, string Medium = "voice");

/// <summary>Public queue status (no customer data): for customers to look before they call.</summary>
public sealed record QueueStatusView(string Queue, string Name, int AgentsAvailable, int AgentsBusy, int Waiting, double? EwtSeconds,
    double? EwtLowSeconds, double? EwtHighSeconds);

/// <summary>A bookable slot of a topic.</summary>
public sealed record SlotView(DateTimeOffset Start, DateTimeOffset End, int Available);

internal enum SubmitKind
{
    Accepted,
    Invalid,
    SlotFull,
    Unavailable,

    /// <summary>The dial-out policy refused it; <see cref="SubmitOutcome.Rule"/> names the rule.</summary>
    Refused,

    /// <summary>Chat now or documents: answered on the page (<see cref="SubmitOutcome.Medium"/>), nothing stored.</summary>
    OnPage,
}

internal sealed record SubmitOutcome(SubmitKind Kind, HelpRequestView? View, Dictionary<string, string[]>? Errors, string? Rule = null)
{
    public HelpMediumView? Medium { get; init; }
}

/// <summary>Validation, durable intake and read models shared by the JSON API and the server-rendered page.</summary>
/// <param name="chat">The web chat when /xmpp is served; without it "chat now" is refused naming <c>medium</c>.</param>
internal sealed class HelpRequestService(RoutingEngine engine, CallbackIntake intake, IHelpRequestStore store,
    ICallbackRepository callbacks, TimeProvider time, HelpSiteOptions site, Chat.WebChatSetup? chat = null)
{
    /// <summary>Where the chat window is: the help page's own section (shown by its script).</summary>
    public const string ChatUrl = "/#chat";

    /// <summary>Whether "chat now" can be offered: the page carries a chat window.</summary>
    public bool ChatAvailable => chat is not null;

    private readonly CallbackPolicies policies = intake.Policies;

    public CallbackPolicies Policies => policies;

    public HelpSiteOptions Site => site;

    /// <param name="source">The client's address (after the trusted proxies' forwarded headers), for the per-source cap.</param>
    public async Task<SubmitOutcome> SubmitAsync(HelpRequestInput input, string? referer, string? source, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(input.PageUrl) && referer is not null && HelpRequestValidation.IsPageUrl(referer))
            input = input with { PageUrl = referer };
        var valid = HelpRequestValidation.Validate(input, policies, now, out var errors, site.HasFlow);
        if (valid is null) return new SubmitOutcome(SubmitKind.Invalid, null, errors);
        switch (valid.Medium)
        {
            case HelpMedium.ChatNow when chat is null:
                return new SubmitOutcome(SubmitKind.Invalid, null, new() { ["medium"] = ["chat is not available here; choose a call-back or documents"] });
            case HelpMedium.ChatNow:
                return new SubmitOutcome(SubmitKind.OnPage, null, null)
                {
                    Medium = new HelpMediumView(HelpMediums.Name(HelpMedium.ChatNow), valid.Queue.QueueId, ChatUrl, []),
                };
            case HelpMedium.Documents when site.DocumentsFor(valid.Queue.QueueId) is { Count: > 0 } documents:
                return new SubmitOutcome(SubmitKind.OnPage, null, null)
                {
                    Medium = new HelpMediumView(HelpMediums.Name(HelpMedium.Documents), valid.Queue.QueueId, null, documents),
                };
            case HelpMedium.Documents:
                return new SubmitOutcome(SubmitKind.Invalid, null, new() { ["medium"] = ["this topic has no documents; choose a call-back or chat"] });
        }
        HelpRequestReceipt receipt;
        try
        {
            receipt = await intake.SubmitAsync(new HelpRequestSubmission(valid.Queue.QueueId, valid.Address, valid.ScheduledAt, now,
                valid.ImAddress, valid.Name, valid.PageUrl, valid.TimeZone, Source: source, Medium: valid.Medium), CallbackIntakeChannel.Web, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new SubmitOutcome(SubmitKind.Unavailable, null, null);
        }
        if (receipt.Disposition == HelpRequestDisposition.SlotFull)
            return new SubmitOutcome(SubmitKind.SlotFull, null, new Dictionary<string, string[]>
            {
                ["preferredTime"] = ["that time slot is fully booked for this topic; choose another time"],
            });
        if (receipt.Disposition == HelpRequestDisposition.Refused)
            return new SubmitOutcome(SubmitKind.Refused, null, new Dictionary<string, string[]>
            {
                ["number"] = [RefusalText(receipt.Rule!)],
            }, receipt.Rule);
        var cb = receipt.Callback!;
        if (receipt.AliasId is { } alias)
        {
            // Merged into a call-back someone asked for before: the asker may be anyone who knows the number, so the answer
            // is what a fresh request would get (its own id, the time asked for, no attempts), nothing of the first one.
            var fresh = cb with { Id = alias, ScheduledAt = valid.ScheduledAt, Status = CallbackStatus.Scheduled, Attempts = 0, LastOutcome = null };
            return new SubmitOutcome(SubmitKind.Accepted, await ViewAsync(fresh, cb, receipt.Position, now, cancellationToken), null);
        }
        return new SubmitOutcome(SubmitKind.Accepted, await ViewAsync(cb, cb, receipt.Position, now, cancellationToken), null);
    }

    /// <summary>What the form and the problem JSON say for a refusal: the rule by name, and what the customer can do.</summary>
    internal static string RefusalText(string rule) => rule switch
    {
        DialOutRule.Denied or DialOutRule.NotAllowed => $"call-backs to this number are not allowed (dial-out rule '{rule}')",
        _ => $"no more call-backs can be booked for now (dial-out rule '{rule}'); please try again tomorrow",
    };

    public async Task<HelpRequestView?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsRequestId(id)) return null;
        var cb = await callbacks.GetAsync(id, cancellationToken);
        if (cb is null)
        {
            // A merged request's own id: the call-back it joined, under that id, with only the attempts made since.
            if (await store.AliasAsync(id, cancellationToken) is not { } alias || await callbacks.GetAsync(alias.CallbackId, cancellationToken) is not { } joined)
                return null;
            var since = Math.Max(0, joined.Attempts - alias.AttemptsBefore);
            cb = joined with { Id = id, Attempts = since, LastOutcome = since == 0 ? null : joined.LastOutcome };
            var joinedPosition = cb.Status is CallbackStatus.Scheduled or CallbackStatus.Queued ? await store.PositionAsync(joined, cancellationToken) : 0;
            return await ViewAsync(cb, joined, joinedPosition, time.GetUtcNow(), cancellationToken);
        }
        var position = cb.Status is CallbackStatus.Scheduled or CallbackStatus.Queued ? await store.PositionAsync(cb, cancellationToken) : 0;
        return await ViewAsync(cb, cb, position, time.GetUtcNow(), cancellationToken);
    }

    public IReadOnlyList<QueueStatusView> Status()
    {
        var snapshot = engine.Snapshot;
        return [.. policies.Queues.Select(p => snapshot.Queues.TryGetValue(p.QueueId, out var s)
            ? new QueueStatusView(p.QueueId, p.DisplayName, s.AgentsReady, s.AgentsBusy, s.Waiting, Round(s.Ewt.Seconds), Round(s.Ewt.LowSeconds), Round(s.Ewt.HighSeconds))
            : new QueueStatusView(p.QueueId, p.DisplayName, 0, 0, 0, null, null, null))];
    }

    /// <summary>Slots of a topic with room, from the next slot start on, at most <paramref name="count"/>, within the booking window.</summary>
    public async Task<IReadOnlyList<SlotView>> FreeSlotsAsync(CallbackQueuePolicy policy, int count, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var length = policy.EffectiveSlotLength;
        var first = policy.SlotStart(now) + length;
        var end = now + policy.BookingWindow;
        var last = first + (length * count);
        if (last > end) last = end;
        if (first >= last) return [];
        var used = policy.HasSlotCap ? (await store.SlotUsageAsync(policy, first, last, cancellationToken)).ToDictionary(u => u.SlotStart, u => u.Count) : [];
        var slots = new List<SlotView>(count);
        for (var start = first; start < last && slots.Count < count; start += length)
        {
            var room = policy.HasSlotCap ? policy.MaxPerSlot!.Value - used.GetValueOrDefault(start) : int.MaxValue;
            if (room > 0) slots.Add(new SlotView(start, start + length, policy.HasSlotCap ? room : -1));
        }
        return slots;
    }

    /// <summary>
    /// The customer's view of a call-back, <paramref name="shown"/> under the id they were given; <paramref name="row"/>
    /// is the call-back itself (the one a merged request joined). Every due one is told its place in the core's offer
    /// order, so the first answer and every later one come from the order the dispatcher hands it over in:
    /// <list type="bullet">
    /// <item>waiting in the core: the core's own position and estimate (<see cref="RoutingEngine.GetInteractionAsync"/>),
    /// which move with the queue; 0 once offered;</item>
    /// <item>due but not there yet (the receipt of a request for "now", a lookup in the second before the scheduler hands
    /// it over): where it would stand if it entered now (<see cref="RoutingEngine.GetEntryPlaceAsync"/>, by its virtual
    /// start), the figures the core reports once it has entered;</item>
    /// <item>booked for later: the call-back list's answer (<paramref name="listPosition"/>, 0, and the time until it is
    /// due); the list's position is also the fallback for a queue the core does not route.</item>
    /// </list>
    /// </summary>
    private async Task<HelpRequestView> ViewAsync(CallbackRequest shown, CallbackRequest row, int listPosition, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (row.Status == CallbackStatus.Queued && await engine.GetInteractionAsync(row.Id, cancellationToken) is { } waiting)
        {
            var queued = waiting.Interaction.State == InteractionState.Queued;
            return new HelpRequestView(shown.Id, queued ? waiting.Position : 0, queued ? Round(waiting.Ewt.Seconds) : 0, shown.Status,
                shown.ScheduledAt.ToUniversalTime(), shown.QueueId, shown.Attempts, shown.LastOutcome, Updated: false, HelpMediums.Name(row.Medium));
        }
        var position = listPosition;
        double? ewt = null;
        if (shown.Status is CallbackStatus.Scheduled or CallbackStatus.Queued && shown.ScheduledAt <= now
            && await engine.GetEntryPlaceAsync(row.QueueId, InteractionChannel.Callback, row.Priority, CallbackDispatcher.VirtualStart(row),
                await EnteringAheadAsync(row, now, cancellationToken), cancellationToken) is { } place)
        {
            position = place.Position;
            ewt = Round(place.Ewt.Seconds);
        }
        else if (shown.Status is CallbackStatus.Scheduled)
        {
            engine.Snapshot.Queues.TryGetValue(shown.QueueId, out var stats);
            ewt = CallbackWaitEstimate.Seconds(stats, position, now, shown.ScheduledAt, site.DefaultHandleTime);
        }
        else if (shown.Status is CallbackStatus.Queued or CallbackStatus.Dialling or CallbackStatus.Connected)
            ewt = 0;
        return new HelpRequestView(shown.Id, position, ewt, shown.Status, shown.ScheduledAt.ToUniversalTime(), shown.QueueId, shown.Attempts,
            shown.LastOutcome, Updated: false, HelpMediums.Name(row.Medium));
    }

    /// <summary>
    /// Due call-backs of <paramref name="row"/>'s queue that the scheduler has not handed to the core yet and that it will
    /// put ahead of it (from the batch it reads next, <see cref="CallbackDispatcher.MaxPerDispatch"/> at most: higher
    /// priority, then earlier virtual start, a tie to the one listed first): they enter before it, so its place counts
    /// them although the core does not hold them yet.
    /// </summary>
    private async Task<int> EnteringAheadAsync(CallbackRequest row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = await callbacks.ListAsync(dueBy: now, statuses: [CallbackStatus.Scheduled], limit: CallbackDispatcher.MaxPerDispatch,
            cancellationToken: cancellationToken);
        var mine = CallbackDispatcher.VirtualStart(row);
        var ahead = 0;
        var listedBefore = true;
        foreach (var other in due)
        {
            if (other.Id == row.Id)
            {
                listedBefore = false;
                continue;
            }
            if (other.QueueId != row.QueueId) continue;
            var start = CallbackDispatcher.VirtualStart(other);
            // The core's order: priority, then virtual start; a tie goes to the one handed over first (listed first).
            if (other.Priority > row.Priority || (other.Priority == row.Priority && (start < mine || (start == mine && listedBefore))))
                ahead++;
        }
        return ahead;
    }

    /// <summary>Request ids are 32 lower-case hex digits (128 random bits): unguessable, so the status needs no login.</summary>
    internal static bool IsRequestId(string id) => id.Length == 32 && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s) : null;
}
