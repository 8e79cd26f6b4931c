using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice;

public enum InboundLegState
{
    /// <summary>INVITE received, 100 sent by the transaction layer; we may ring.</summary>
    Offered,

    /// <summary>200 OK sent (RFC 3261 §13.3.1.4), waiting for the ACK.</summary>
    Answered,

    /// <summary>ACK received: the dialog is confirmed.</summary>
    Confirmed,

    /// <summary>Rejected, cancelled, or ended by BYE from either side.</summary>
    Ended,
}

/// <summary>
/// The UAS side of a call from a trunk (RFC 3261 §13.3, §15): answer or reject the INVITE, confirm on ACK, end with
/// BYE. In-dialog requests are sent to the address the INVITE came from (the trunk's flow), which is what a B2BUA
/// in front of a PBX needs and keeps working through NAT. Not thread-safe: the owning call serialises access, except
/// for the requests the dialog mints (BYE, INFO, session refreshes and probes), which a call's watch sends from its own
/// task and which therefore take <see cref="_gate"/> to number their CSeq.
/// </summary>
internal sealed class InboundLeg : ISessionPeer
{
    private readonly SipSignalling _sip;
    private readonly SipServerInviteTransaction _invite;
    private readonly string _localTag = SipSignalling.NewTag();
    private readonly Lock _gate = new();
    private SipDialog? _dialog;
    private string? _localSdp;
    private SipRequest? _refreshAck;

    public InboundLeg(SipSignalling sip, SipServerInviteTransaction invite)
    {
        _sip = sip;
        _invite = invite;
        Peer = invite.Peer;
    }

    public InboundLegState State { get; private set; }

    public SipRequest Invite => _invite.Request;

    public SipServerInviteTransaction Transaction => _invite;

    public SipEndPoint Peer { get; }

    /// <summary>The id in-dialog requests from the trunk carry (see <see cref="SipDialog.IdOf"/>).</summary>
    public string DialogId => string.Join(';', Invite.CallId, _localTag, Invite.From?.Tag ?? string.Empty);

    public void Ring() => Respond(180);

    /// <summary>Whether the caller's INVITE listed UPDATE in Allow: a session refresh can then be an UPDATE without SDP (RFC 4028 §7.4).</summary>
    public bool PeerAllowsUpdate => Invite.Headers.GetTokens(SipHeaderNames.Allow).Contains(SipMethods.Update, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// 200 OK with our SDP answer and Contact; the dialog exists from here on (§12.1.1). With a session timer the 2xx
    /// carries Session-Expires (and Require: timer when the caller refreshes), RFC 4028 §9.
    /// </summary>
    public void Answer(string sdp, SessionTimerAgreement? sessionTimer = null)
    {
        if (State != InboundLegState.Offered) return;
        var ok = SipResponseFactory.Create(Invite, 200, toTag: _localTag);
        ok.Contact.Add(_sip.Contact(Peer.Transport));
        ok.Headers.Add(SipHeaderNames.Allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE");
        ok.Headers.Add(SipHeaderNames.Supported, SessionTimer.OptionTag);
        if (sessionTimer is not null) SessionTimer.Decorate(ok, sessionTimer);
        SipSignalling.SetSdp(ok, sdp);
        _localSdp = sdp;
        _dialog = SipDialog.CreateAsUas(Invite, ok);
        if (_invite.SendResponse(ok)) State = InboundLegState.Answered;
    }

    /// <summary>A final error response before answering (404, 486, 488, 503...). Ends the leg.</summary>
    public void Reject(int code, string? warning = null)
    {
        if (State != InboundLegState.Offered) return;
        var response = SipResponseFactory.Create(Invite, code, toTag: _localTag);
        if (warning is not null) response.Headers.Add(SipHeaderNames.Warning, $"399 ccgw \"{warning.Replace('"', '\'')}\"");
        _invite.SendResponse(response);
        State = InboundLegState.Ended;
    }

    /// <summary>422 Session Interval Too Small with our minimum (RFC 4028 §9); the caller may retry with a longer interval.</summary>
    public void RejectTooBrief(int minSe)
    {
        if (State != InboundLegState.Offered) return;
        var response = SipResponseFactory.Create(Invite, 422, toTag: _localTag);
        response.Headers.Add(SessionTimer.MinSeHeader, minSe.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _invite.SendResponse(response);
        State = InboundLegState.Ended;
    }

    public void OnAck()
    {
        if (State == InboundLegState.Answered)
        {
            _dialog?.Confirm(SipResponseFactory.Create(Invite, 200, toTag: _localTag));
            State = InboundLegState.Confirmed;
        }
    }

    /// <summary>Checks an in-dialog request's sequence (§12.2.2); false: answer 500 and ignore it.</summary>
    public bool Accept(SipRequest request) => _dialog?.TryAcceptRemoteRequest(request) ?? false;

    /// <summary>The trunk hung up (BYE) or cancelled: no BYE of ours is needed any more.</summary>
    public void MarkEnded()
    {
        State = InboundLegState.Ended;
        _dialog?.Terminate();
    }

    /// <summary>Hangs up: BYE once confirmed or answered (§15.1.1: a UAS may send BYE after the 2xx), else 487/480.</summary>
    public void Hangup(int rejectCode = 480)
    {
        switch (State)
        {
            case InboundLegState.Offered:
                Reject(rejectCode);
                return;
            case InboundLegState.Answered or InboundLegState.Confirmed when _dialog is { } dialog:
                SipRequest bye;
                lock (_gate) bye = dialog.CreateRequest(SipMethods.Bye, _sip.NewVia(Peer));
                SendInDialog(bye);
                MarkEnded();
                return;
        }
    }

    /// <summary>
    /// A session refresh we send as the refresher (RFC 4028 §7.4, §9: refresher=uas): UPDATE without SDP when the
    /// caller allows UPDATE, else a re-INVITE with the SDP we last sent (the session does not change), whose 2xx we
    /// ACK. Completes with the final status, or null when the transaction timed out (Timer B/F) or the leg is gone.
    /// </summary>
    public Task<int?> RefreshAsync(SessionTimerAgreement agreement)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        var method = PeerAllowsUpdate || _localSdp is null ? SipMethods.Update : SipMethods.Invite;
        return SendAndAwaitAsync(method, request =>
        {
            request.Contact.Add(_sip.Contact(Peer.Transport));
            request.Headers.Add(SipHeaderNames.Supported, SessionTimer.OptionTag);
            request.Headers.Add(SessionTimer.SessionExpiresHeader, agreement.HeaderValue);
            if (method == SipMethods.Invite) SipSignalling.SetSdp(request, _localSdp!);
        });
    }

    /// <summary>An in-dialog OPTIONS (our keep-alive for a caller without session timers): the final status, or null on timeout.</summary>
    public Task<int?> ProbeAsync() => SendAndAwaitAsync(SipMethods.Options, static _ => { });

    /// <summary>A 2xx retransmission for our refresh re-INVITE (§13.2.2.4): ACK it again. False when it is not ours.</summary>
    public bool TryAcknowledgeRetransmission(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        SipRequest? ack;
        lock (_gate) ack = _refreshAck;
        if (ack is null || response.StatusCode is < 200 or >= 300 || response.CSeq is not { Method: SipMethods.Invite } cseq
            || cseq.Number != ack.CSeq!.Number) return false;
        _sip.Sender.Send(ack, Peer);
        return true;
    }

    private Task<int?> SendAndAwaitAsync(string method, Action<SipRequest> complete)
    {
        var done = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        SipRequest request;
        lock (_gate)
        {
            if (State is not (InboundLegState.Answered or InboundLegState.Confirmed) || _dialog is not { } dialog) return Task.FromResult<int?>(null);
            request = dialog.CreateRequest(method, _sip.NewVia(Peer));
        }
        complete(request);
        _sip.Transactions.SendRequest(request, Peer, new SipClientCallbacks(response =>
        {
            if (response.StatusCode < 200) return;
            if (method == SipMethods.Invite && response.StatusCode < 300) AcknowledgeRefresh(request);
            done.TrySetResult(response.StatusCode);
        }, () => done.TrySetResult(null)));
        return done.Task;
    }

    /// <summary>§13.2.2.4: the 2xx to our re-INVITE is ACKed by us, with the INVITE's CSeq number, outside any transaction.</summary>
    private void AcknowledgeRefresh(SipRequest invite)
    {
        SipRequest ack;
        lock (_gate)
        {
            if (_dialog is not { } dialog) return;
            ack = dialog.CreateRequest(SipMethods.Ack, _sip.NewVia(Peer), invite.CSeq!.Number);
            _refreshAck = ack;
        }
        _sip.Sender.Send(ack, Peer);
    }

    /// <summary>Sends INFO (e.g. DTMF relayed from the other leg) inside this dialog.</summary>
    public void SendInfo(string contentType, ReadOnlyMemory<byte> body)
    {
        if (State is not (InboundLegState.Answered or InboundLegState.Confirmed) || _dialog is null) return;
        SipRequest info;
        lock (_gate) info = _dialog.CreateRequest(SipMethods.Info, _sip.NewVia(Peer));
        info.ContentType = contentType;
        info.Body = body;
        SendInDialog(info);
    }

    private void SendInDialog(SipRequest request)
    {
        _sip.Transactions.SendRequest(request, Peer, new SipClientCallbacks(static _ => { }, static () => { }));
    }

    private void Respond(int code)
    {
        if (State == InboundLegState.Offered) _invite.SendResponse(SipResponseFactory.Create(Invite, code, toTag: _localTag));
    }
}
