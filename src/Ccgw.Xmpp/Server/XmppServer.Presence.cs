using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Server;

/// <summary>Presence (RFC 6121 §4), subscriptions (§3) and the roster (§2).</summary>
public sealed partial class XmppServer
{
    private async ValueTask PresenceFromClientAsync(C2sSession session, XElement presence, Jid? to, CancellationToken cancellationToken)
    {
        var type = Stanzas.Type(presence);
        if (type is "subscribe" or "subscribed" or "unsubscribe" or "unsubscribed")
        {
            if (to is null) return;
            await SubscriptionFromClientAsync(session, presence, to.Value.Bare, type, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (type == "probe") return; // clients do not probe (§4.3: the server does)
        if (to is { } directed)
        {
            // §4.6: directed presence; remembered so the target hears when this session goes away. Bounded, or one
            // session could make the server remember (and announce its departure to) any number of addresses.
            if (type is null)
            {
                // Staff's presence to the gateway's conversation addresses is exempt, as in HandOverAsync.
                var bounded = session.Account.Kind == XmppAccountKind.Guest || IsUser(directed) || FindService(directed) is null;
                bool full;
                lock (_gate)
                {
                    full = bounded && !session.DirectedTo.Contains(directed) && session.DirectedTo.Count >= _options.MaxDirectedPresence;
                    if (!full) session.DirectedTo.Add(directed);
                }
                if (full)
                {
                    LogDirectedPresenceFull(_log, session.Full, _options.MaxDirectedPresence);
                    Reply(session, Stanzas.Error(presence, "resource-constraint", "wait"));
                    return;
                }
            }
            await RouteAsync(presence, session, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (type is not (null or "unavailable")) return;

        bool initial;
        lock (_gate)
        {
            initial = !session.Available && type is null;
            session.Presence = type is null ? new XElement(presence) : null;
        }
        await BroadcastPresenceAsync(session, presence, cancellationToken).ConfigureAwait(false);
        if (initial) SendProbeAnswers(session);
        if (type == "unavailable")
        {
            List<Jid> directedTo;
            lock (_gate)
            {
                directedTo = [.. session.DirectedTo];
                session.DirectedTo.Clear();
            }
            foreach (var target in directedTo)
                await RouteAsync(Stanzas.CopyTo(presence, target), session, cancellationToken).ConfigureAwait(false);
        }
        await NotifyPresenceAsync(session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>§4.2.2/§4.4.2/§4.5.2: to every subscriber's available resources and to the user's own resources (itself included).</summary>
    private async ValueTask BroadcastPresenceAsync(C2sSession session, XElement presence, CancellationToken cancellationToken)
    {
        List<Jid> subscribers;
        List<C2sSession> own;
        lock (_gate)
        {
            subscribers = [.. _rosters.Subscribers(session.Full.Bare)];
            own = _sessions.TryGetValue(session.Full.Bare, out var list) ? [.. list.Where(s => s.Available || s == session)] : [];
        }
        presence.SetAttributeValue("from", session.Full.ToString());
        foreach (var contact in subscribers)
        {
            if (contact.Domain == Domain && !IsUser(contact) && FindService(contact) is { } service)
                await HandOverAsync(service, Stanzas.CopyTo(presence, contact), session, contact, cancellationToken).ConfigureAwait(false);
            else
                DeliverToUser(Stanzas.CopyTo(presence, contact), contact);
        }
        foreach (var s in own)
            if (!s.Closed) Enqueue(s, Stanzas.CopyTo(presence, s.Full));
    }

    /// <summary>§4.3: on initial presence the server answers the probes itself: the current presence of every contact the user is subscribed to.</summary>
    private void SendProbeAnswers(C2sSession session)
    {
        List<XElement> answers = [];
        lock (_gate)
        {
            foreach (var contact in _rosters.Subscriptions(session.Full.Bare))
            {
                if (!_sessions.TryGetValue(contact, out var list)) continue;
                foreach (var s in list.Where(s => s.Available && s.Presence is not null))
                {
                    var p = new XElement(s.Presence!);
                    p.SetAttributeValue("from", s.Full.ToString());
                    p.SetAttributeValue("to", session.Full.ToString());
                    answers.Add(p);
                }
            }
            // The user's other available resources (§4.2.2 "the user's server MUST also send ... from the user's other resources").
            if (_sessions.TryGetValue(session.Full.Bare, out var own))
            {
                foreach (var s in own.Where(s => s != session && s.Available && s.Presence is not null))
                {
                    var p = new XElement(s.Presence!);
                    p.SetAttributeValue("from", s.Full.ToString());
                    p.SetAttributeValue("to", session.Full.ToString());
                    answers.Add(p);
                }
            }
        }
        foreach (var a in answers) Enqueue(session, a);
    }

    /// <summary>§3: the user's subscription requests and answers update both rosters (when the contact is local) and are forwarded.</summary>
    private async ValueTask SubscriptionFromClientAsync(C2sSession session, XElement presence, Jid contact, string type, CancellationToken cancellationToken)
    {
        var user = session.Full.Bare;
        presence.SetAttributeValue("from", user.ToString()); // §3.1.2: subscription stanzas carry the bare JID
        presence.SetAttributeValue("to", contact.ToString());
        var localContact = contact.Domain == Domain && contact.Local is not null && !(FindService(contact) is not null && !IsUser(contact));
        var pushes = new List<(Jid User, RosterItem Item, bool Removed)>();
        var forward = true;
        List<XElement> presenceToContact = [];
        lock (_gate)
        {
            try
            {
                switch (type)
                {
                    case "subscribe":
                        {
                            var item = _rosters.GetOrAdd(user, contact, RosterLimit(user));
                            if ((item.Subscription & Subscription.To) != 0)
                            {
                                forward = false;
                                break;
                            }
                            item.AskSubscribe = true;
                            pushes.Add((user, item, false));
                            if (localContact)
                            {
                                var theirs = _rosters.GetOrAdd(contact, user, RosterLimit(contact));
                                if (theirs.PreApproved)
                                {
                                    // §3.4: pre-approved, answered by the server at once.
                                    theirs.PreApproved = false;
                                    theirs.Subscription |= Subscription.From;
                                    item.Subscription |= Subscription.To;
                                    item.AskSubscribe = false;
                                    pushes.Add((contact, theirs, false));
                                    forward = false;
                                    Enqueue(session, new XElement(Stanzas.Presence, new XAttribute("type", "subscribed"),
                                        new XAttribute("from", contact.ToString()), new XAttribute("to", user.ToString())));
                                }
                                else
                                {
                                    theirs.PendingIn = true;
                                }
                            }
                            break;
                        }
                    case "subscribed":
                        {
                            var item = _rosters.GetOrAdd(user, contact, RosterLimit(user));
                            if (!item.PendingIn)
                            {
                                // §3.4: pre-approval when no request is pending.
                                if ((item.Subscription & Subscription.From) == 0) item.PreApproved = true;
                                forward = false;
                                break;
                            }
                            item.PendingIn = false;
                            item.Subscription |= Subscription.From;
                            pushes.Add((user, item, false));
                            if (localContact && _rosters.Find(contact, user) is { } theirs)
                            {
                                theirs.Subscription |= Subscription.To;
                                theirs.AskSubscribe = false;
                                pushes.Add((contact, theirs, false));
                            }
                            // §3.1.5: the user's current presence goes to the new subscriber.
                            if (_sessions.TryGetValue(user, out var own))
                                foreach (var s in own.Where(s => s.Available))
                                {
                                    var p = new XElement(s.Presence!);
                                    p.SetAttributeValue("from", s.Full.ToString());
                                    p.SetAttributeValue("to", contact.ToString());
                                    presenceToContact.Add(p);
                                }
                            break;
                        }
                    case "unsubscribe":
                        if (_rosters.Find(user, contact) is { } mine)
                        {
                            mine.Subscription &= ~Subscription.To;
                            mine.AskSubscribe = false;
                            pushes.Add((user, mine, false));
                        }
                        if (localContact && _rosters.Find(contact, user) is { } other)
                        {
                            other.Subscription &= ~Subscription.From;
                            pushes.Add((contact, other, false));
                        }
                        break;
                    case "unsubscribed":
                        if (_rosters.Find(user, contact) is { } mine2)
                        {
                            mine2.Subscription &= ~Subscription.From;
                            mine2.PendingIn = false;
                            mine2.PreApproved = false;
                            pushes.Add((user, mine2, false));
                        }
                        if (localContact && _rosters.Find(contact, user) is { } other2)
                        {
                            other2.Subscription &= ~Subscription.To;
                            other2.AskSubscribe = false;
                            pushes.Add((contact, other2, false));
                        }
                        break;
                }
            }
            catch (InvalidOperationException)
            {
                forward = false; // roster full
            }
        }
        foreach (var (u, item, removed) in pushes) PushRosterItem(u, item, removed);
        if (forward)
        {
            if (localContact)
            {
                // The contact's server (us) delivers to all available resources, or keeps the request (§3.1.3) — a
                // request waits in the roster (PendingIn) and is sent again when the contact comes online.
                DeliverToUser(presence, contact);
            }
            else
            {
                await RouteAsync(presence, session, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var p in presenceToContact) DeliverToUser(p, contact);
        if (type == "unsubscribed" && localContact)
        {
            // §3.3.3: the former subscriber gets unavailable from each of the user's resources.
            List<Jid> resources;
            lock (_gate) resources = _sessions.TryGetValue(user, out var l) ? [.. l.Select(s => s.Full)] : [];
            foreach (var r in resources)
                DeliverToUser(new XElement(Stanzas.Presence, new XAttribute("type", "unavailable"), new XAttribute("from", r.ToString()),
                    new XAttribute("to", contact.ToString())), contact);
        }
    }

    /// <summary>The roster size <paramref name="user"/> may reach: small for a guest, whose roster dies with it. Called under the lock.</summary>
    private int RosterLimit(Jid user) =>
        _sessions.TryGetValue(user.Bare, out var list) && list.Any(s => s.Account.Kind == XmppAccountKind.Guest)
            ? _options.GuestMaxRosterItems
            : _options.MaxRosterItems;

    /// <summary>§2.1.6: a roster push to every interested resource of <paramref name="user"/>.</summary>
    private void PushRosterItem(Jid user, RosterItem item, bool removed)
    {
        string version;
        List<C2sSession> interested;
        lock (_gate)
        {
            version = _rosters.Bump();
            interested = _sessions.TryGetValue(user, out var list) ? [.. list.Where(s => s.InterestedInRoster)] : [];
        }
        foreach (var s in interested)
        {
            var element = item.ToElement(RosterNs);
            if (removed) element.SetAttributeValue("subscription", "remove");
            Enqueue(s, new XElement(Stanzas.Iq, new XAttribute("type", "set"), new XAttribute("to", s.Full.ToString()),
                new XAttribute("id", "push" + version),
                new XElement(RosterNs + "query", new XAttribute("ver", version), element)));
        }
    }

    /// <summary>§2.1.3 roster get, §2.1.5 roster set (add, update, remove).</summary>
    private async ValueTask RosterIqAsync(C2sSession session, XElement iq, XElement query, CancellationToken cancellationToken)
    {
        var user = session.Full.Bare;
        if (Stanzas.Type(iq) == "get")
        {
            List<XElement> items;
            List<XElement> pendingRequests = [];
            string version;
            lock (_gate)
            {
                session.InterestedInRoster = true;
                items = [.. _rosters.Items(user).Select(i => i.ToElement(RosterNs))];
                version = _rosters.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // §3.1.3: pending inbound requests are (re)delivered to a resource that asks for its roster.
                foreach (var pending in _rosters.Items(user).Where(i => i.PendingIn))
                    pendingRequests.Add(new XElement(Stanzas.Presence, new XAttribute("type", "subscribe"),
                        new XAttribute("from", pending.Jid.ToString()), new XAttribute("to", user.ToString())));
            }
            Enqueue(session, Stanzas.Result(iq, new XElement(RosterNs + "query", new XAttribute("ver", version), items)));
            foreach (var p in pendingRequests) Enqueue(session, p);
            return;
        }
        if (Stanzas.Type(iq) != "set")
        {
            Reply(session, Stanzas.Error(iq, "bad-request", "modify"));
            return;
        }
        var itemElements = query.Elements(RosterNs + "item").ToList();
        if (itemElements.Count != 1 || !Jid.TryParse((string?)itemElements[0].Attribute("jid"), out var contact) || contact.Bare == user)
        {
            Reply(session, Stanzas.Error(iq, "bad-request", "modify"));
            return;
        }
        contact = contact.Bare;
        var element = itemElements[0];
        RosterItem? changed = null;
        var removed = false;
        var previous = Subscription.None;
        lock (_gate)
        {
            if ((string?)element.Attribute("subscription") == "remove")
            {
                if (_rosters.Find(user, contact) is { } existing && !existing.Fixed)
                {
                    previous = existing.Subscription;
                    _rosters.Remove(user, contact);
                    changed = existing;
                    removed = true;
                }
                else if (_rosters.Find(user, contact) is { Fixed: true })
                {
                    changed = null;
                }
            }
            else
            {
                try
                {
                    changed = _rosters.GetOrAdd(user, contact, RosterLimit(user));
                    changed.Name = (string?)element.Attribute("name") is { Length: > 0 } name ? name : changed.Name;
                    changed.Groups = [.. element.Elements(RosterNs + "group").Select(g => g.Value).Where(g => g.Length > 0).Distinct().Take(20)];
                }
                catch (InvalidOperationException)
                {
                    Reply(session, Stanzas.Error(iq, "resource-constraint", "wait"));
                    return;
                }
            }
        }
        Enqueue(session, Stanzas.Result(iq));
        if (changed is null) return;
        PushRosterItem(user, changed, removed);
        if (removed)
        {
            // §2.5.2: removing an item cancels both subscriptions: unsubscribe/unsubscribed to the contact and
            // unavailable from each of the user's resources to a contact that had our presence (scansion issue1121).
            if ((previous & Subscription.To) != 0)
                await SubscriptionFromClientAsync(session, new XElement(Stanzas.Presence, new XAttribute("type", "unsubscribe")), contact, "unsubscribe", cancellationToken).ConfigureAwait(false);
            if ((previous & Subscription.From) != 0)
                await SubscriptionFromClientAsync(session, new XElement(Stanzas.Presence, new XAttribute("type", "unsubscribed")), contact, "unsubscribed", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tells the observer when the account's combined presence changed (agents drive routing state with it; a
    /// customer's or guest's is shown to the agents serving them in the IM gateway).
    /// </summary>
    private async ValueTask NotifyPresenceAsync(C2sSession session, CancellationToken cancellationToken)
    {
        if (_observer is null) return;
        XmppPresenceShow best;
        lock (_gate)
        {
            best = _sessions.TryGetValue(session.Full.Bare, out var list)
                ? list.Where(s => s.Available).Select(s => Show(s.Presence!)).Aggregate(XmppPresenceShow.Unavailable, Rank)
                : XmppPresenceShow.Unavailable;
        }
        try
        {
            await _observer.OnPresenceChangedAsync(session.Account, session.Full.Bare, best, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogServiceFailed(_log, session.Full, e);
        }
    }

    /// <summary>Most available first: chat, available, away, xa, dnd, unavailable.</summary>
    private static XmppPresenceShow Rank(XmppPresenceShow a, XmppPresenceShow b) => Order(a) <= Order(b) ? a : b;

    private static int Order(XmppPresenceShow s) => s switch
    {
        XmppPresenceShow.Chat => 0,
        XmppPresenceShow.Available => 1,
        XmppPresenceShow.Away => 2,
        XmppPresenceShow.ExtendedAway => 3,
        XmppPresenceShow.DoNotDisturb => 4,
        _ => 5,
    };

    internal static XmppPresenceShow Show(XElement presence) => (string?)presence.Element(XmppNamespaces.Client + "show") switch
    {
        "chat" => XmppPresenceShow.Chat,
        "away" => XmppPresenceShow.Away,
        "xa" => XmppPresenceShow.ExtendedAway,
        "dnd" => XmppPresenceShow.DoNotDisturb,
        _ => XmppPresenceShow.Available,
    };
}
