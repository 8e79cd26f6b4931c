using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt;

/// <summary>
/// Session lifecycle (§3.1.4 CONNECT actions, §4.1 session state, §3.1.2.5 wills,
/// §3.1.2.11.2 session expiry, §3.14 DISCONNECT). A session is:
/// attached (a connection is bound) → detached (waiting for reconnect, will delay and expiry
/// timers running) → ended (removed). Reconnecting with Clean Start = 0 re-attaches it.
/// </summary>
internal sealed partial class BrokerCore
{
    public async ValueTask<bool> ConnectAsync(MqttConnection connection, ConnectPacket connect, CancellationToken cancellationToken)
    {
        var v5 = connect.ProtocolVersion == MqttProtocolVersion.V500;
        if (v5 && connect.Properties?.AuthenticationMethod is not null)
            return Refuse(connection, MqttReasonCode.BadAuthenticationMethod, "auth_method");

        var clientId = connect.ClientId;
        var assignedClientId = false;
        if (clientId.Length == 0)
        {
            // v3.1.1 allows an empty id only with clean session [MQTT-3.1.3-7, MQTT-3.1.3-8]; v5 always (§3.1.3.1).
            if (!v5 && !connect.CleanStart) return Refuse(connection, MqttReasonCode.ClientIdentifierNotValid, "client_id");
            clientId = Options.AssignedClientIdPrefix + Guid.NewGuid().ToString("N");
            assignedClientId = true;
        }
        if (connect.Will is { } will && !MqttTopic.IsValidTopicName(will.Topic))
            return Refuse(connection, MqttReasonCode.TopicNameInvalid, "will_topic");

        // Server Keep Alive (§3.2.2.3.14): a v5 client asking for 0 or more than the maximum is told the maximum.
        var keepAlive = connect.KeepAliveSeconds;
        ushort? serverKeepAlive = null;
        if (Options.MaximumKeepAliveSeconds is { } maximumKeepAlive && (keepAlive == 0 || keepAlive > maximumKeepAlive))
        {
            if (!v5)
            {
                BrokerLog.KeepAliveRefused(_context.Log, clientId, connection.RemoteEndPoint, keepAlive, maximumKeepAlive);
                return Refuse(connection, MqttReasonCode.ClientIdentifierNotValid, "keep_alive");
            }
            keepAlive = maximumKeepAlive;
            serverKeepAlive = maximumKeepAlive;
        }

        var result = await AuthenticateAsync(connection, connect, clientId, cancellationToken);
        if (!result.Succeeded) return Refuse(connection, result.ReasonCode, "credentials");
        var identity = result.Identity!;
        if (connect.Will is { } w && !_authorizer.CanPublish(identity, w.Topic))
            return Refuse(connection, MqttReasonCode.NotAuthorized, "will_acl");

        lock (_gate)
        {
            if (connection.IsClosing) return false;
            _sessions.TryGetValue(clientId, out var session);
            if (session is not null && !string.Equals(session.Identity.Name, identity.Name, StringComparison.Ordinal))
            {
                // A client id belongs to the user whose session holds it; another user may neither
                // take over the connection nor read the queued messages.
                return Refuse(connection, MqttReasonCode.NotAuthorized, "client_id_owner");
            }
            if (session?.Connection is { } previous)
            {
                // Session takeover [MQTT-3.1.4-3]: the old connection ends as if it dropped, so its will follows the usual rules.
                previous.Close(MqttReasonCode.SessionTakenOver);
                DetachLocked(previous, session, previous.PublishWillOnClose);
            }
            if (session is not null && (connect.CleanStart || session.Ended))
            {
                EndSessionLocked(session);
                session = null;
            }
            var sessionPresent = session is not null;
            if (session is null)
            {
                if (_sessions.Count >= Options.MaximumSessions) return Refuse(connection, MqttReasonCode.QuotaExceeded, "sessions");
                session = new MqttSession(clientId, identity, _context);
                _sessions[clientId] = session;
                Metrics.SetSessions(_sessions.Count);
            }
            else
            {
                // Re-attached before the will delay elapsed: the will is not sent (§3.1.3.2.2).
                CancelTimers(session);
                session.PendingWill = null;
            }

            var requestedExpiry = v5 ? connect.Properties?.SessionExpiryInterval ?? 0 : connect.CleanStart ? 0u : uint.MaxValue;
            var grantedExpiry = Math.Min(requestedExpiry, Options.MaximumSessionExpirySeconds);
            session.Identity = identity;
            session.ExpiryInterval = grantedExpiry;
            session.Will = connect.Will;
            session.Attach(connection);
            connection.Attach(session, identity, connect, keepAlive);
            _connections.Add(connection);
            connection.CountedUser = identity.Name;
            _users.Opened(identity.Name);

            connection.Send(new ConnAckPacket
            {
                SessionPresent = sessionPresent,
                ReasonCode = MqttReasonCode.Success,
                Properties = v5 ? new MqttProperties
                {
                    AssignedClientIdentifier = assignedClientId ? clientId : null,
                    SessionExpiryInterval = grantedExpiry != requestedExpiry ? grantedExpiry : null,
                    ReceiveMaximum = Options.ServerReceiveMaximum,
                    MaximumPacketSize = (uint)Options.MaximumPacketSize,
                    TopicAliasMaximum = Options.TopicAliasMaximum,
                    ServerKeepAlive = serverKeepAlive,
                    SharedSubscriptionAvailable = 1,
                } : null,
            });
            session.ResumeDelivery();
        }
        return true;
    }

    /// <summary>DISCONNECT from the client (§3.14.4): a normal one discards the will; 0x04 keeps it.</summary>
    public void OnDisconnect(MqttConnection connection, DisconnectPacket disconnect)
    {
        lock (_gate)
        {
            if (connection.Session is not { } session || session.Connection != connection) return;
            if (disconnect.Properties?.SessionExpiryInterval is { } expiry)
            {
                if (connection.RequestedSessionExpiry == 0 && expiry != 0)
                    throw MqttProtocolException.ProtocolError("session expiry set on DISCONNECT after 0 on CONNECT [MQTT-3.14.2-2]");
                session.ExpiryInterval = Math.Min(expiry, Options.MaximumSessionExpirySeconds);
            }
            connection.PublishWillOnClose = disconnect.ReasonCode == MqttReasonCode.DisconnectWithWill;
        }
    }

    /// <summary>The connection's loop ended for any reason.</summary>
    public void OnConnectionLost(MqttConnection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
            if (connection.CountedUser is { } user)
            {
                connection.CountedUser = null;
                _users.Closed(user);
            }
            if (connection.Session is { } session) DetachLocked(connection, session, connection.PublishWillOnClose);
        }
    }

    public void CloseAll(byte reason)
    {
        MqttConnection[] connections;
        lock (_gate) connections = [.. _connections];
        foreach (var connection in connections) connection.Close(reason);
    }

    public int SessionCount
    {
        get { lock (_gate) return _sessions.Count; }
    }

    private async ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttConnection connection, ConnectPacket connect, string clientId, CancellationToken cancellationToken)
    {
        var request = new MqttAuthenticationRequest(clientId, connect.UserName, connect.Password ?? ReadOnlyMemory<byte>.Empty,
            connect.Password is not null, connection.RemoteEndPoint, connect.ProtocolVersion);
        try
        {
            return await _authenticator.AuthenticateAsync(request, cancellationToken);
        }
#pragma warning disable CA1031 // A failing authenticator refuses this client with "server unavailable"; it must not end the loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            BrokerLog.AuthenticatorFailed(_context.Log, clientId, connection.RemoteEndPoint, ex);
            return MqttAuthenticationResult.Refuse(MqttConnectRefusal.ServerUnavailable);
        }
    }

    private bool Refuse(MqttConnection connection, byte v5Reason, string why)
    {
        var reason = connection.Version == MqttProtocolVersion.V500 ? v5Reason : MqttReasonCode.ToV3ConnAck(v5Reason);
        connection.Send(new ConnAckPacket { ReasonCode = reason });
        Metrics.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", why));
        return false;
    }

    private void DetachLocked(MqttConnection connection, MqttSession session, bool publishWill)
    {
        if (session.Connection != connection) return;
        session.Detach();
        session.DetachGeneration++;
        var will = session.Will;
        session.Will = null;
        if (publishWill && will is not null)
        {
            var delay = will.Properties?.WillDelayInterval ?? 0;
            if (delay == 0 || session.ExpiryInterval == 0)
            {
                PublishWillLocked(will, session.ClientId);
            }
            else
            {
                session.PendingWill = will;
                session.WillDelayTimer = _context.Time.CreateTimer(static s => OnSessionTimer(s, willDelay: true), new SessionTimerState(this, session, session.DetachGeneration),
                    TimeSpan.FromSeconds(delay), Timeout.InfiniteTimeSpan);
            }
        }
        if (session.ExpiryInterval == 0)
            EndSessionLocked(session);
        else if (session.ExpiryInterval != uint.MaxValue)
            session.ExpiryTimer = _context.Time.CreateTimer(static s => OnSessionTimer(s, willDelay: false), new SessionTimerState(this, session, session.DetachGeneration),
                TimeSpan.FromSeconds(session.ExpiryInterval), Timeout.InfiniteTimeSpan);
    }

    private sealed record SessionTimerState(BrokerCore Core, MqttSession Session, int Generation);

    private static void OnSessionTimer(object? state, bool willDelay)
    {
        var (core, session, generation) = (SessionTimerState)state!;
        try
        {
            core.OnSessionTimerLocked(session, generation, willDelay);
        }
#pragma warning disable CA1031 // Runs on a timer thread: an escaping exception would take the whole daemon down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            core.Metrics.Dropped("timer_failure");
            BrokerLog.SessionTimerFailed(core._context.Log, session.ClientId, willDelay ? "will delay" : "session expiry", ex);
        }
    }

    private void OnSessionTimerLocked(MqttSession session, int generation, bool willDelay)
    {
        lock (_gate)
        {
            // A reconnect (and possibly a new disconnect) since the timer was armed makes it stale.
            if (session.Ended || session.Connection is not null || session.DetachGeneration != generation) return;
            if (!willDelay)
            {
                EndSessionLocked(session);
                return;
            }
            session.WillDelayTimer?.Dispose();
            session.WillDelayTimer = null;
            if (session.PendingWill is { } will)
            {
                session.PendingWill = null;
                PublishWillLocked(will, session.ClientId);
            }
        }
    }

    /// <summary>Session end (§4.1): a pending will is published now, then all state is discarded.</summary>
    private void EndSessionLocked(MqttSession session)
    {
        if (session.Ended) return;
        session.Ended = true;
        CancelTimers(session);
        if (session.PendingWill is { } will)
        {
            session.PendingWill = null;
            PublishWillLocked(will, session.ClientId);
        }
        foreach (var entry in session.Subscriptions.Values) RemoveFromTreeLocked(entry);
        session.Subscriptions.Clear();
        // Shared-subscription messages this session never received go to another member of their group (§4.8.2).
        var undelivered = session.TakeUndeliveredShared();
        session.ClearDeliveryState();
        foreach (var (group, message) in undelivered) group.Redeliver(message);
        if (_sessions.TryGetValue(session.ClientId, out var current) && current == session) _sessions.Remove(session.ClientId);
        Metrics.SetSessions(_sessions.Count);
    }

    private static void CancelTimers(MqttSession session)
    {
        session.WillDelayTimer?.Dispose();
        session.WillDelayTimer = null;
        session.ExpiryTimer?.Dispose();
        session.ExpiryTimer = null;
    }

    private void PublishWillLocked(MqttWill will, string clientId) =>
        PublishLocked(ToMessage(will.Topic, will.Payload, will.Qos, will.Retain, will.Properties, clientId, _context.Time.GetUtcNow()));
}
