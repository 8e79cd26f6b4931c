using System.Collections.Concurrent;
using System.Globalization;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Transactions;

/// <summary>What the transaction layer hands up to the transaction user (UA core, registrar, B2BUA).</summary>
public interface ISipTransactionUser
{
    /// <summary>A new request (not a retransmission) inside a fresh server transaction.</summary>
    void OnRequest(SipServerTransaction transaction);

    /// <summary>A CANCEL matched a pending INVITE (§9.2); the layer already answered the CANCEL with 200.</summary>
    void OnCancel(SipServerInviteTransaction invite, SipRequest cancel);

    /// <summary>An ACK no server transaction absorbed: the ACK for a 2xx (§13.3.1.4).</summary>
    void OnAck(SipRequest ack, SipEndPoint source);

    /// <summary>A response no client transaction matched (e.g. a retransmitted 2xx to INVITE, §17.1.1.2).</summary>
    void OnStrayResponse(SipResponse response, SipEndPoint source);
}

/// <summary>
/// Matches messages to transactions (RFC 3261 §17.1.3, §17.2.3, with the RFC 2543 fallback for requests
/// whose branch lacks the magic cookie), creates server transactions for new requests and client
/// transactions for requests the TU sends.
/// </summary>
public sealed class SipTransactionLayer
{
    private readonly ConcurrentDictionary<string, SipServerTransaction> _server = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipClientTransaction> _client = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipServerInviteTransaction> _invitesByCallAndSequence = new(StringComparer.Ordinal);
    private readonly ISipSender _sender;
    private readonly TimeProvider _time;
    private readonly SipTimerSettings _timers;

    public SipTransactionLayer(ISipSender sender, TimeProvider time, SipTimerSettings? timers = null)
    {
        _sender = sender;
        _time = time;
        _timers = timers ?? SipTimerSettings.Default;
    }

    public ISipTransactionUser? User { get; set; }

    public int ServerTransactionCount => _server.Count;

    public int ClientTransactionCount => _client.Count;

    /// <summary>Entry point for a parsed, validated request.</summary>
    public void ReceiveRequest(SipRequest request, SipEndPoint source)
    {
        var key = ServerKey(request, request.Method == SipMethods.Ack ? SipMethods.Invite : request.Method);
        if (_server.TryGetValue(key, out var existing))
        {
            if (existing.ReceiveRequest(request)) return;
        }
        if (request.Method == SipMethods.Ack)
        {
            // ACK for a 2xx has its own branch; it is matched to the INVITE by Call-ID and CSeq (§13.3.1.4).
            if (_invitesByCallAndSequence.TryGetValue(CallAndSequence(request), out var accepted)) accepted.AcknowledgeSuccess();
            User?.OnAck(request, source);
            return;
        }

        SipServerTransaction tx = request.Method == SipMethods.Invite
            ? new SipServerInviteTransaction(key, request, source, _sender, _time, _timers)
            : new SipServerNonInviteTransaction(key, request, source, _sender, _time, _timers);
        if (!_server.TryAdd(key, tx))
        {
            // Lost a race with a retransmission of the same request: treat ours as that retransmission.
            if (_server.TryGetValue(key, out var winner)) winner.ReceiveRequest(request);
            return;
        }
        tx.OnTerminated(t => _server.TryRemove(new KeyValuePair<string, SipServerTransaction>(t.Key, (SipServerTransaction)t)));
        if (tx is SipServerInviteTransaction inviteTx)
        {
            var callKey = CallAndSequence(request);
            _invitesByCallAndSequence[callKey] = inviteTx;
            tx.OnTerminated(t =>
            {
                _server.TryRemove(new KeyValuePair<string, SipServerTransaction>(t.Key, (SipServerTransaction)t));
                _invitesByCallAndSequence.TryRemove(new KeyValuePair<string, SipServerInviteTransaction>(callKey, inviteTx));
            });
        }

        if (request.Method == SipMethods.Cancel)
        {
            HandleCancel(request, tx);
            return;
        }
        if (tx is SipServerInviteTransaction invite) invite.SendTrying();
        User?.OnRequest(tx);
    }

    /// <summary>§9.2: CANCEL matches the INVITE with the same key except the method; 200 if found, else 481.</summary>
    private void HandleCancel(SipRequest cancel, SipServerTransaction cancelTx)
    {
        if (_server.TryGetValue(ServerKey(cancel, SipMethods.Invite), out var target) && target is SipServerInviteTransaction invite)
        {
            cancelTx.SendResponse(SipResponseFactory.Create(cancel, 200, toTag: invite.FinalResponse?.To?.Tag ?? LocalTag(cancel)));
            if (invite.State == SipTransactionState.Proceeding) User?.OnCancel(invite, cancel);
            return;
        }
        cancelTx.SendResponse(SipResponseFactory.Create(cancel, 481, toTag: LocalTag(cancel)));
    }

    /// <summary>Entry point for a parsed response.</summary>
    public void ReceiveResponse(SipResponse response, SipEndPoint source)
    {
        if (response.TopVia?.Branch is { } branch && response.CSeq is { } cseq
            && _client.TryGetValue(ClientKey(branch, cseq.Method), out var tx))
        {
            tx.ReceiveResponse(response);
            return;
        }
        User?.OnStrayResponse(response, source);
    }

    /// <summary>
    /// Starts a client transaction; the request must carry a top Via with a fresh RFC 3261 branch. With
    /// <paramref name="sendBeforeReturning"/> its first transmission leaves before this returns (see
    /// <see cref="ISipSender.SendBeforeReturning"/>).
    /// </summary>
    public SipClientTransaction SendRequest(SipRequest request, SipEndPoint destination, SipClientCallbacks callbacks, bool sendBeforeReturning = false)
    {
        if (request.Method == SipMethods.Ack) throw new ArgumentException("ACK is sent without a transaction", nameof(request));
        var branch = request.TopVia?.Branch ?? throw new ArgumentException("request needs a top Via with a branch", nameof(request));
        var key = ClientKey(branch, request.CSeq!.Method);
        SipClientTransaction tx = request.Method == SipMethods.Invite
            ? new SipClientInviteTransaction(key, request, destination, _sender, _time, _timers, callbacks)
            : new SipClientNonInviteTransaction(key, request, destination, _sender, _time, _timers, callbacks);
        if (!_client.TryAdd(key, tx)) throw new InvalidOperationException("duplicate client transaction branch");
        tx.OnTerminated(t => _client.TryRemove(new KeyValuePair<string, SipClientTransaction>(t.Key, (SipClientTransaction)t)));
        tx.Start(sendBeforeReturning);
        return tx;
    }

    /// <summary>Terminates every transaction and its timers (stack shutdown).</summary>
    public void AbandonAll()
    {
        foreach (var tx in _server.Values) tx.Abandon();
        foreach (var tx in _client.Values) tx.Abandon();
    }

    /// <summary>A fresh RFC 3261 branch (§8.1.1.7).</summary>
    public static string NewBranch() => SipVia.MagicCookie + Guid.NewGuid().ToString("N")[..20];

    private static string CallAndSequence(SipRequest request) =>
        string.Concat(request.CallId, "|", request.CSeq!.Number.ToString(CultureInfo.InvariantCulture));

    private static string ClientKey(string branch, string method) => string.Concat(branch, "|", method);

    internal static string ServerKey(SipRequest request, string method)
    {
        var via = request.Via[0];
        if (via.IsRfc3261Branch) return string.Concat(via.Branch, "|", via.SentBy.ToLowerInvariant(), "|", method);
        // RFC 2543 fallback (§17.2.3): Request-URI, From tag, Call-ID, CSeq number and top Via identify it.
        return string.Join('|', "2543", request.RequestUri.ToString(), request.From?.Tag ?? string.Empty, request.CallId ?? string.Empty,
            request.CSeq?.Number.ToString(CultureInfo.InvariantCulture) ?? string.Empty, via.ToString(), method);
    }

    /// <summary>A To tag derived from the request so retransmitted requests get the same tag.</summary>
    internal static string LocalTag(SipRequest request) =>
        ((uint)StringComparer.Ordinal.GetHashCode(string.Concat(request.CallId, request.From?.Tag, request.Via[0].Branch))).ToString("x8", CultureInfo.InvariantCulture);
}
