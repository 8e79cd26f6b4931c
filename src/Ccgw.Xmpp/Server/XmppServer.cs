using System.IO.Pipelines;
using System.Net;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Streams;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Server;

/// <summary>
/// The built-in XMPP server (RFC 6120/6121 client-to-server). Hand it each accepted connection
/// (<see cref="HandleConnectionAsync"/>); it negotiates the stream, binds the resource and routes stanzas between
/// connected users (RFC 6121 §8.5), to the gateway's <see cref="IStanzaService"/>s (queue and conversation addresses,
/// with the sender's verified full JID as 'from') and, as <see cref="IStanzaOutlet"/>, from those services to users.
/// It answers roster (§2), presence (§4, subscriptions §3), XEP-0030 disco, XEP-0199 ping, XEP-0092 version and runs
/// XEP-0198 stream management with resumption.
/// </summary>
public sealed partial class XmppServer : IStanzaOutlet, IAsyncDisposable
{
    internal static readonly XNamespace RosterNs = "jabber:iq:roster";
    internal static readonly XNamespace PingNs = "urn:xmpp:ping";
    internal static readonly XNamespace DiscoItemsNs = "http://jabber.org/protocol/disco#items";

    private readonly XmppServerOptions _options;
    private readonly IXmppAccounts _accounts;
    private readonly IAuthFailureGate _failures;
    private readonly IReadOnlyList<IStanzaService> _services;
    private readonly IXmppPresenceObserver? _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<Jid, List<C2sSession>> _sessions = [];
    private readonly Dictionary<string, (C2sSession Session, ITimer? Expiry)> _resumable = new(StringComparer.Ordinal);
    private readonly HashSet<Jid> _teamMembers = [];
    private readonly RosterStore _rosters = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HashSet<C2sConnection> _connections = [];

    public XmppServer(XmppServerOptions options, IXmppAccounts accounts, IAuthFailureGate failures, IEnumerable<IStanzaService> services,
        TimeProvider time, ILogger<XmppServer> log, IXmppPresenceObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _accounts = accounts;
        _failures = failures;
        _services = [.. services];
        _time = time;
        _log = log;
        _observer = observer;
        var team = options.Team.Select(t => (Jid.Create(t.User, options.Stream.Domain), t.Name, t.Group)).ToList();
        _rosters.AddTeam(team);
        foreach (var (jid, _, _) in team) _teamMembers.Add(jid);
    }

    public string Domain => _options.Stream.Domain;

    internal XmppServerOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ILogger Log => _log;

    /// <summary>Resources bound now (resumable sessions waiting for their client included).</summary>
    public int SessionCount
    {
        get
        {
            lock (_gate) return _sessions.Values.Sum(l => l.Count);
        }
    }

    /// <summary>Serves one client connection until it ends; never throws for anything the peer does.</summary>
    public async Task HandleConnectionAsync(IDuplexPipe transport, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var negotiator = new C2sNegotiator(_options.Stream, _accounts, _failures, (remoteEndPoint as IPEndPoint)?.Address, _time);
        await ServeAsync(transport, negotiator, remoteEndPoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Serves one XMPP-over-WebSocket connection (RFC 7395) until it ends; never throws for anything the peer does. The
    /// socket has been accepted with the <c>xmpp</c> subprotocol. <paramref name="secure"/>: the WebSocket itself is
    /// encrypted (wss://) or never leaves the host, so there is no STARTTLS on it (§3.1) and PLAIN and ANONYMOUS are
    /// offered as they are after STARTTLS on TCP; otherwise only SCRAM is.
    /// </summary>
    public async Task HandleWebSocketAsync(System.Net.WebSockets.WebSocket socket, EndPoint? remoteEndPoint, bool secure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var link = new WebSocket.XmppWebSocketLink(socket, Domain, _options.Stream.Limits, _time, _log, remoteEndPoint);
        var settings = _options.Stream with { TlsAvailable = false, RequireTls = false };
        var negotiator = new C2sNegotiator(settings, _accounts, _failures, (remoteEndPoint as IPEndPoint)?.Address, _time, secure);
        await link.RunAsync(ServeAsync(link.ServerSide, negotiator, remoteEndPoint, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task ServeAsync(IDuplexPipe transport, C2sNegotiator negotiator, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var connection = new C2sConnection(this, transport, negotiator, remoteEndPoint);
        lock (_gate) _connections.Add(connection);
        try
        {
            await connection.RunAsync(linked.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate) _connections.Remove(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested) return;
        List<C2sConnection> open;
        lock (_gate) open = [.. _connections];
        foreach (var c in open) c.Shutdown();
        try
        {
            await Task.WhenAll(open.Select(c => c.Completion)).WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Clients that do not read their system-shutdown error are cut off below.
        }
        await _shutdown.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var (_, (_, timer)) in _resumable) timer?.Dispose();
            _resumable.Clear();
        }
        _shutdown.Dispose();
    }

    // ---- binding and session lifetime (RFC 6120 §7, XEP-0198 §5) ----

    /// <summary>Binds a resource (§7.6): the client's choice, or a random one; an existing session with it is replaced (§7.7.2.2 option 2... "conflict" for the old one).</summary>
    internal C2sSession Bind(XmppAccount account, string? resource, string streamId)
    {
        resource ??= Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        if (resource.Length > 256) resource = resource[..256];
        if (!Jid.TryParse($"{account.User}@{Domain}/{resource}", out var full))
            full = Jid.Create(account.User, Domain, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)));
        var session = new C2sSession(full, account, streamId) { ResumeSeconds = _options.ResumeTimeout.TotalSeconds, MaxUnacked = _options.MaxUnackedStanzas };
        C2sSession? replaced = null;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(full.Bare, out var list)) _sessions[full.Bare] = list = [];
            replaced = list.FirstOrDefault(s => s.Full.Resource == full.Resource);
            if (replaced is not null) list.Remove(replaced);
            list.Add(session);
        }
        if (replaced is not null)
        {
            LogReplaced(_log, full);
            replaced.Close(StreamErrorText("conflict", "replaced by a new connection for this resource"));
            _ = EndSessionAsync(replaced, CancellationToken.None).AsTask();
        }
        LogBound(_log, full, account.Kind);
        return session;
    }

    internal static string StreamErrorText(string condition, string text) =>
        $"<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{System.Security.SecurityElement.Escape(text)}</text></stream:error></stream:stream>";

    /// <summary>The connection of a session ended without a clean close: keep it for resumption when enabled.</summary>
    internal async ValueTask ConnectionLostAsync(C2sSession session, bool clean, CancellationToken cancellationToken)
    {
        if (!clean && session.SmResumable && !session.Closed && !_shutdown.IsCancellationRequested)
        {
            lock (_gate)
            {
                session.Connection = null;
                var timer = _time.CreateTimer(static s => ((Action)s!)(), (Action)(() => ResumeExpired(session)), _options.ResumeTimeout, Timeout.InfiniteTimeSpan);
                _resumable[session.SmId] = (session, timer);
            }
            LogDetached(_log, session.Full);
            return;
        }
        await EndSessionAsync(session, cancellationToken).ConfigureAwait(false);
    }

    private void ResumeExpired(C2sSession session)
    {
        lock (_gate)
        {
            if (!_resumable.TryGetValue(session.SmId, out var entry) || entry.Session != session) return;
            _resumable.Remove(session.SmId);
            entry.Expiry?.Dispose();
        }
        LogResumeExpired(_log, session.Full);
        _ = EndSessionAsync(session, CancellationToken.None).AsTask();
    }

    /// <summary>
    /// XEP-0198 §5: a new stream of the same account asks to resume <paramref name="previd"/>. Returns the session (now
    /// attached to the caller) or null when it is unknown, expired or someone else's.
    /// </summary>
    internal C2sSession? Resume(XmppAccount account, string previd)
    {
        lock (_gate)
        {
            if (_resumable.TryGetValue(previd, out var entry) && SameIdentity(entry.Session.Account, account))
            {
                _resumable.Remove(previd);
                entry.Expiry?.Dispose();
                return entry.Session;
            }
            // The old link may not have been noticed as dead yet: take the session over.
            var live = _sessions.Values.SelectMany(l => l).FirstOrDefault(s => s.SmId == previd && s.SmResumable && SameIdentity(s.Account, account));
            return live;
        }
    }

    /// <summary>
    /// Who may resume a session: the same account; for guests, any guest. A guest's account name is random per login,
    /// so a guest that lost its link (a browser on a flaky network) logs in anonymously again under a new name and
    /// could never get its conversation back; the previd it presents (96 random bits, told only over its own stream)
    /// is then the proof, and the session keeps its old address. Never across kinds: a guest cannot take over staff.
    /// </summary>
    private static bool SameIdentity(XmppAccount owner, XmppAccount claimant) =>
        owner.User == claimant.User || (owner.Kind == XmppAccountKind.Guest && claimant.Kind == XmppAccountKind.Guest);

    /// <summary>The session is over: unavailable to everyone who had its presence (RFC 6121 §4.5.2, §4.6.3).</summary>
    internal async ValueTask EndSessionAsync(C2sSession session, CancellationToken cancellationToken)
    {
        bool wasAvailable;
        List<Jid> directed;
        lock (_gate)
        {
            if (session.Ended) return;
            session.Ended = true;
            if (_sessions.TryGetValue(session.Full.Bare, out var list))
            {
                list.Remove(session);
                if (list.Count == 0)
                {
                    _sessions.Remove(session.Full.Bare);
                    // A guest's address is random and never comes back: its roster would only pile up.
                    if (session.Account.Kind == XmppAccountKind.Guest) _rosters.Drop(session.Full.Bare);
                }
            }
            wasAvailable = session.Available;
            session.Presence = null;
            directed = [.. session.DirectedTo];
        }
        session.Close(null);
        var unavailable = new XElement(Stanzas.Presence, new XAttribute("type", "unavailable"), new XAttribute("from", session.Full.ToString()));
        if (wasAvailable) await BroadcastPresenceAsync(session, unavailable, cancellationToken).ConfigureAwait(false);
        foreach (var target in directed)
            await RouteAsync(Stanzas.CopyTo(unavailable, target), session, cancellationToken).ConfigureAwait(false);
        BounceUnacked(session);
        await NotifyPresenceAsync(session, cancellationToken).ConfigureAwait(false);
        LogEnded(_log, session.Full);
    }

    /// <summary>Messages the client never acknowledged go back to their senders as errors (XEP-0198 §5 "MAY").</summary>
    private void BounceUnacked(C2sSession session)
    {
        if (!session.SmEnabled) return;
        foreach (var stanza in session.TakeUnacked())
        {
            if (stanza.Name != Stanzas.Message || Stanzas.From(stanza) is not { } from || from.Local is null) continue;
            if (Stanzas.Error(stanza, "recipient-unavailable", "wait") is { } error)
            {
                error.SetAttributeValue("from", session.Full.Bare.ToString());
                DeliverToUser(error, from);
            }
        }
    }

    // ---- routing (RFC 6121 §8.5) ----

    /// <summary>
    /// From a service to users (<see cref="IStanzaOutlet"/>): 'from' set by the service. Delivered like a stanza from
    /// another server would be: full JID to that resource, bare JID by RFC 6121 §8.5.2.
    /// </summary>
    public ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        if (Stanzas.To(stanza) is not { } to || !IsLocalUserDomain(to)) return ValueTask.CompletedTask;
        DeliverToUser(stanza, to);
        return ValueTask.CompletedTask;
    }

    private bool IsLocalUserDomain(Jid jid) => jid.Local is not null && string.Equals(jid.Domain, Domain, StringComparison.Ordinal);

    /// <summary>A stanza from an established session: 'from' stamped (RFC 6120 §8.1.2.1), then routed or answered.</summary>
    internal async ValueTask FromClientAsync(C2sSession session, XElement stanza, CancellationToken cancellationToken)
    {
        stanza.SetAttributeValue("from", session.Full.ToString());
        var toText = (string?)stanza.Attribute("to");
        Jid? to = null;
        if (toText is not null)
        {
            if (!Jid.TryParse(toText, out var parsed))
            {
                Reply(session, Stanzas.Error(stanza, "jid-malformed", "modify"));
                return;
            }
            to = parsed;
        }

        if (to is { } target && session.Account.Kind == XmppAccountKind.Guest && !GuestMayReach(session, target))
        {
            // Like Prosody's mod_block_strangers for anonymous users: a guest talks to the centre, not to its staff
            // or other guests. service-unavailable (RFC 6120 §8.3.3.19), the same answer as for an account that does
            // not exist (RFC 6121 §8.5.1), so a guest cannot use the refusal to learn which accounts exist;
            // not-allowed would confirm the address is real. Never answered for errors (§8.3.1).
            LogGuestRefused(_log, session.Full, target);
            Reply(session, Stanzas.Error(stanza, "service-unavailable"));
            return;
        }
        if (stanza.Name == Stanzas.Presence)
        {
            await PresenceFromClientAsync(session, stanza, to, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (stanza.Name == Stanzas.Iq && (to is null || to.Value == session.Full.Bare || (to.Value.Local is null && to.Value.Domain == Domain && to.Value.Resource is null)))
        {
            await ServerIqAsync(session, stanza, to, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (stanza.Name == Stanzas.Message && to is null)
        {
            // RFC 6121 §8.5.?: a message without 'to' is for the sender's bare JID.
            stanza.SetAttributeValue("to", session.Full.Bare.ToString());
            to = session.Full.Bare;
        }
        if (to is null) return;
        await RouteAsync(stanza, session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where an anonymous guest may send a stanza: the server itself, its own account, a service address (queue,
    /// conversation, IM component) and other domains (which only services answer; there is no s2s). Local accounts,
    /// staff and guests alike, are out of reach; staff reach guests through the gateway's conversation addresses.
    /// </summary>
    private bool GuestMayReach(C2sSession session, Jid to)
    {
        if (to.Domain != Domain || to.Local is null || to.Bare == session.Full.Bare) return true;
        return !IsUser(to) && FindService(to) is not null;
    }

    /// <summary>Routes a stanza whose 'from' is a local session.</summary>
    private async ValueTask RouteAsync(XElement stanza, C2sSession? sender, CancellationToken cancellationToken)
    {
        var to = Stanzas.To(stanza)!.Value;
        if (to.Domain != Domain)
        {
            if (FindService(to) is { } remoteService)
            {
                await HandOverAsync(remoteService, stanza, sender, to, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (sender is not null) Reply(sender, Stanzas.Error(stanza, "remote-server-not-found")); // no s2s
            return;
        }
        if (to.Local is null)
        {
            if (sender is not null && stanza.Name == Stanzas.Iq) await ServerIqAsync(sender, stanza, to, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!IsUser(to) && FindService(to) is { } service)
        {
            await HandOverAsync(service, stanza, sender, to, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!DeliverToUser(stanza, to) && sender is not null)
            Reply(sender, Stanzas.Error(stanza, "service-unavailable"));
    }

    private async ValueTask HandOverAsync(IStanzaService service, XElement stanza, C2sSession? sender, Jid to, CancellationToken cancellationToken)
    {
        if (sender is not null && stanza.Name != Stanzas.Presence)
        {
            // Agents' conversation addresses are always remembered (the gateway needs their unavailable); a guest
            // could name endless conversation addresses, so its set stops growing at the directed-presence bound.
            lock (_gate)
                if (sender.Account.Kind != XmppAccountKind.Guest || sender.DirectedTo.Count < _options.MaxDirectedPresence)
                    sender.DirectedTo.Add(to.Bare);
        }
        try
        {
            await service.HandleAsync(stanza, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogServiceFailed(_log, to, e);
            if (sender is not null) Reply(sender, Stanzas.Error(stanza, "internal-server-error", "wait"));
        }
    }

    private IStanzaService? FindService(Jid to)
    {
        foreach (var s in _services)
            if (s.Handles(to)) return s;
        return null;
    }

    /// <summary>Whether <paramref name="jid"/>'s bare JID is someone who can log in here now or has (sessions, rosters, team).</summary>
    private bool IsUser(Jid jid)
    {
        lock (_gate) return _sessions.ContainsKey(jid.Bare) || _teamMembers.Contains(jid.Bare);
    }

    /// <summary>
    /// Delivery to a local user (RFC 6121 §8.5.2/§8.5.3): a full JID to that resource (or as bare when it is gone, for
    /// messages); a bare JID: messages to the available resources of highest non-negative priority, presence to all,
    /// iq answered by the server. False when nobody could take it.
    /// </summary>
    private bool DeliverToUser(XElement stanza, Jid to)
    {
        List<C2sSession> targets = [];
        lock (_gate)
        {
            if (!_sessions.TryGetValue(to.Bare, out var list)) return false;
            if (to.Resource is not null)
            {
                var exact = list.FirstOrDefault(s => s.Full.Resource == to.Resource);
                if (exact is not null) targets.Add(exact);
                else if (stanza.Name != Stanzas.Message || Stanzas.Type(stanza) == "groupchat") return false;
            }
            if (targets.Count == 0)
            {
                if (stanza.Name == Stanzas.Iq) return false;
                var available = list.Where(s => s.Available && (stanza.Name == Stanzas.Presence || s.Priority >= 0)).ToList();
                if (stanza.Name == Stanzas.Message && available.Count > 0)
                {
                    var best = available.Max(s => s.Priority);
                    targets.AddRange(available.Where(s => s.Priority == best));
                }
                else
                {
                    targets.AddRange(available);
                }
            }
        }
        if (targets.Count == 0) return false;
        foreach (var t in targets)
            Enqueue(t, targets.Count == 1 ? stanza : new XElement(stanza));
        return true;
    }

    private void Enqueue(C2sSession target, XElement stanza)
    {
        if (target.Send(stanza)) return;
        if (target.Closed) return;
        LogSlowConsumer(_log, target.Full);
        target.Close(StreamErrorText("policy-violation", "too many stanzas waiting; read faster"));
    }

    private static void Reply(C2sSession session, XElement? reply)
    {
        if (reply is not null) session.Send(reply);
    }

    // ---- logging ----

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "XMPP {Jid} bound ({Kind})")]
    private static partial void LogBound(ILogger logger, Jid jid, XmppAccountKind kind);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "XMPP {Jid} session ended")]
    private static partial void LogEnded(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 702, Level = LogLevel.Information, Message = "XMPP {Jid} lost its link; waiting for it to resume (XEP-0198)")]
    private static partial void LogDetached(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "XMPP {Jid} did not resume in time")]
    private static partial void LogResumeExpired(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "XMPP {Jid} does not read its stream; closed")]
    private static partial void LogSlowConsumer(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "XMPP {Jid} replaced by a new connection with the same resource")]
    private static partial void LogReplaced(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 16200, Level = LogLevel.Debug, Message = "XMPP guest {Jid} may not reach {To}; refused with service-unavailable")]
    private static partial void LogGuestRefused(ILogger logger, Jid jid, Jid to);

    [LoggerMessage(EventId = 16201, Level = LogLevel.Debug, Message = "XMPP {Jid} sent directed presence to {Max} addresses already; refused with resource-constraint")]
    private static partial void LogDirectedPresenceFull(ILogger logger, Jid jid, int max);

    [LoggerMessage(EventId = 16202, Level = LogLevel.Warning, Message = "XMPP {Jid} left more than {Max} stanzas unacknowledged (XEP-0198); closed with resource-constraint")]
    internal static partial void LogUnackedOverflow(ILogger logger, Jid jid, int max);

    [LoggerMessage(EventId = 706, Level = LogLevel.Error, Message = "XMPP service for {To} failed")]
    private static partial void LogServiceFailed(ILogger logger, Jid to, Exception e);
}
