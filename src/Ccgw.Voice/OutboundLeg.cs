using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice;

public enum OutboundLegState
{
    /// <summary>INVITE sent, no provisional response yet.</summary>
    Calling,

    /// <summary>A provisional response arrived (180/183): the phone rings.</summary>
    Ringing,

    /// <summary>2xx received and ACKed (RFC 3261 §13.2.2.4): the dialog is confirmed.</summary>
    Answered,

    /// <summary>Final error, timeout or cancelled before an answer.</summary>
    Failed,

    /// <summary>Ended by BYE from either side after an answer.</summary>
    Ended,
}

/// <summary>How an outgoing INVITE ended: answered with the peer's SDP, or failed with a status (408 for timeouts, 487 cancelled).</summary>
public sealed record OutboundOutcome(bool Answered, int StatusCode, string? AnswerSdp)
{
    /// <summary>The core's vocabulary for a failed call-back or agent leg: busy, noAnswer, rejected, failed.</summary>
    public string FailureReason => StatusCode switch
    {
        486 or 600 => "busy",
        408 or 480 or 487 => "noAnswer",
        603 => "rejected",
        _ => "failed",
    };
}

/// <summary>
/// The UAC side of a call the gateway places (to an agent's phone, or to a customer through the trunk): INVITE with
/// our offer, ring, CANCEL (§9.1) if it must stop ringing, ACK the 2xx ourselves (§13.2.2.4, including 2xx
/// retransmissions), BYE to end. Every identifier is freshly minted (see <see cref="SipSignalling"/>).
/// </summary>
internal sealed class OutboundLeg
{
    private readonly SipSignalling _sip;
    private readonly SipRequest _invite;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<OutboundOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SipDialog? _dialog;
    private SipRequest? _ack;
    private SipRequest? _reInviteAck;
    private bool _cancelRequested;

    public OutboundLeg(SipSignalling sip, SipUri requestUri, SipEndPoint destination, SipNameAddress from, SipNameAddress to, string sdpOffer)
    {
        _sip = sip;
        Destination = destination;
        _invite = new SipRequest(SipMethods.Invite, requestUri);
        _invite.Via.Add(sip.NewVia(destination));
        _invite.From = from.Clone();
        _invite.From.Tag = SipSignalling.NewTag();
        _invite.To = to.Clone();
        _invite.CallId = sip.NewCallId();
        _invite.CSeq = new SipCSeq(1, SipMethods.Invite);
        _invite.MaxForwards = 70;
        _invite.Contact.Add(sip.Contact(destination.Transport));
        _invite.Headers.Add(SipHeaderNames.Allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO");
        SipSignalling.SetSdp(_invite, sdpOffer);
    }

    public SipEndPoint Destination { get; }

    /// <summary>The Request-URI of the INVITE.</summary>
    public SipUri Target => _invite.RequestUri;

    public OutboundLegState State { get; private set; }

    public string CallId => _invite.CallId!;

    public SipRequest Invite => _invite;

    /// <summary>Set once the peer's tag is known; in-dialog requests from the peer carry this id.</summary>
    public string? DialogId { get; private set; }

    /// <summary>Raised (outside the leg's lock) when the dialog id becomes known, so the gateway can route the peer's requests.</summary>
    public event Action<OutboundLeg>? DialogEstablished;

    public Task<OutboundOutcome> Outcome => _outcome.Task;

    /// <summary>Sends the INVITE; <see cref="Outcome"/> completes with the first final response, a timeout or a cancel.</summary>
    /// <summary>Sends the INVITE; with <paramref name="sendBeforeReturning"/> a UDP INVITE has left when this returns.</summary>
    public Task<OutboundOutcome> StartAsync(bool sendBeforeReturning = false)
    {
        _sip.Transactions.SendRequest(_invite, Destination, new SipClientCallbacks(OnResponse, OnTimeout), sendBeforeReturning);
        return Outcome;
    }

    /// <summary>Stops ringing (§9.1): CANCEL once a provisional arrived, otherwise as soon as one does.</summary>
    public void Cancel()
    {
        bool send;
        lock (_gate)
        {
            if (State is not (OutboundLegState.Calling or OutboundLegState.Ringing) || _cancelRequested) return;
            _cancelRequested = true;
            // §9.1: a CANCEL must not be sent before a provisional response.
            send = State == OutboundLegState.Ringing;
        }
        if (send) SendCancel();
    }

    /// <summary>Ends an answered leg with BYE; cancels one that still rings.</summary>
    public void Hangup()
    {
        SipRequest? bye = null;
        lock (_gate)
        {
            if (State == OutboundLegState.Answered && _dialog is { } dialog)
            {
                bye = dialog.CreateRequest(SipMethods.Bye, _sip.NewVia(Destination));
                State = OutboundLegState.Ended;
                dialog.Terminate();
            }
        }
        if (bye is not null) Send(bye);
        else Cancel();
    }

    /// <summary>The peer hung up with BYE.</summary>
    public void MarkEnded()
    {
        lock (_gate)
        {
            if (State == OutboundLegState.Answered) State = OutboundLegState.Ended;
            _dialog?.Terminate();
        }
    }

    /// <summary>Checks an in-dialog request's sequence (§12.2.2).</summary>
    public bool Accept(SipRequest request)
    {
        lock (_gate) return _dialog?.TryAcceptRemoteRequest(request) ?? false;
    }

    public void SendInfo(string contentType, ReadOnlyMemory<byte> body)
    {
        SipRequest? info = null;
        lock (_gate)
        {
            if (State == OutboundLegState.Answered && _dialog is { } dialog)
            {
                info = dialog.CreateRequest(SipMethods.Info, _sip.NewVia(Destination));
                info.ContentType = contentType;
                info.Body = body;
            }
        }
        if (info is not null) Send(info);
    }

    /// <summary>
    /// A re-INVITE in the answered dialog with a new SDP offer (hold: a=sendonly, resume: a=sendrecv; RFC 3264 §8.4).
    /// We ACK its 2xx ourselves (§13.2.2.4); completes with the final response's outcome and SDP answer, 408 when the
    /// transaction timed out, 481 when the leg is no longer answered. The owning call sends one at a time (§14.1).
    /// </summary>
    public Task<OutboundOutcome> ReInviteAsync(string sdpOffer)
    {
        SipRequest invite;
        lock (_gate)
        {
            if (State != OutboundLegState.Answered || _dialog is not { } dialog) return Task.FromResult(new OutboundOutcome(false, 481, null));
            invite = dialog.CreateRequest(SipMethods.Invite, _sip.NewVia(Destination));
        }
        invite.Contact.Add(_sip.Contact(Destination.Transport));
        invite.Headers.Add(SipHeaderNames.Allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO");
        SipSignalling.SetSdp(invite, sdpOffer);
        var done = new TaskCompletionSource<OutboundOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sip.Transactions.SendRequest(invite, Destination, new SipClientCallbacks(response =>
        {
            if (response.StatusCode < 200) return;
            if (response.StatusCode < 300) AcknowledgeReInvite(invite);
            done.TrySetResult(response.StatusCode < 300
                ? new OutboundOutcome(true, response.StatusCode, SipSignalling.HasSdp(response) ? SipSignalling.BodyText(response) : null)
                : new OutboundOutcome(false, response.StatusCode, null));
        }, () => done.TrySetResult(new OutboundOutcome(false, 408, null))));
        return done.Task;
    }

    private void AcknowledgeReInvite(SipRequest invite)
    {
        SipRequest ack;
        lock (_gate)
        {
            if (_dialog is not { } dialog || State != OutboundLegState.Answered) return;
            ack = dialog.CreateRequest(SipMethods.Ack, _sip.NewVia(Destination), invite.CSeq!.Number);
            _reInviteAck = ack;
        }
        _sip.Sender.Send(ack, Destination);
    }

    /// <summary>A 2xx retransmission after our transaction ended (§13.2.2.4): ACK it again.</summary>
    public bool TryAcknowledgeRetransmission(SipResponse response)
    {
        SipRequest? ack;
        lock (_gate)
        {
            if (response.StatusCode is < 200 or >= 300) return false;
            // The first INVITE's 2xx, or the last re-INVITE's (hold, resume).
            ack = response.CSeq?.Number == _invite.CSeq!.Number ? _ack
                : _reInviteAck is { } again && response.CSeq?.Number == again.CSeq!.Number ? again : null;
        }
        if (ack is not null) _sip.Sender.Send(ack, Destination);
        return ack is not null;
    }

    private void OnResponse(SipResponse response)
    {
        var established = false;
        var sendCancel = false;
        var byeAfterAck = false;
        SipRequest? ack = null;
        lock (_gate)
        {
            if (response.StatusCode < 200)
            {
                if (State == OutboundLegState.Calling)
                {
                    State = OutboundLegState.Ringing;
                    sendCancel = _cancelRequested;
                }
                if (response.StatusCode > 100 && response.To?.Tag is { Length: > 0 } && _dialog is null && response.Contact.Count > 0)
                {
                    _dialog = SipDialog.CreateAsUac(_invite, response);
                    established = SetDialogId(response);
                }
            }
            else if (response.StatusCode < 300)
            {
                if (_dialog is null || _dialog.RemoteTag != response.To?.Tag)
                {
                    if (response.Contact.Count == 0 || response.To?.Tag is null)
                    {
                        // A 2xx without Contact cannot be ACKed in a dialog; treat it as a failure.
                        State = OutboundLegState.Failed;
                        _outcome.TrySetResult(new OutboundOutcome(false, 502, null));
                        return;
                    }
                    _dialog = SipDialog.CreateAsUac(_invite, response);
                    established = SetDialogId(response);
                }
                else
                {
                    _dialog.Confirm(response);
                }
                ack = _dialog.CreateRequest(SipMethods.Ack, _sip.NewVia(Destination), _invite.CSeq!.Number);
                _ack = ack;
                if (State is OutboundLegState.Calling or OutboundLegState.Ringing)
                {
                    State = OutboundLegState.Answered;
                    // Answered although we had cancelled (the 200 crossed our CANCEL): ACK, then hang up (§15).
                    byeAfterAck = _cancelRequested;
                }
            }
            else if (State is OutboundLegState.Calling or OutboundLegState.Ringing)
            {
                State = OutboundLegState.Failed;
                _dialog?.Terminate();
            }
        }
        if (established) DialogEstablished?.Invoke(this);
        if (sendCancel) SendCancel();
        if (ack is not null) _sip.Sender.Send(ack, Destination);
        if (response.StatusCode < 200) return;
        if (byeAfterAck)
        {
            Hangup();
            _outcome.TrySetResult(new OutboundOutcome(false, 487, null));
            return;
        }
        _outcome.TrySetResult(response.StatusCode < 300
            ? new OutboundOutcome(true, response.StatusCode, SipSignalling.HasSdp(response) ? SipSignalling.BodyText(response) : null)
            : new OutboundOutcome(false, response.StatusCode, null));
    }

    private bool SetDialogId(SipResponse response)
    {
        DialogId = string.Join(';', _invite.CallId, _invite.From!.Tag, response.To!.Tag);
        return true;
    }

    private void OnTimeout()
    {
        lock (_gate)
        {
            if (State is OutboundLegState.Calling or OutboundLegState.Ringing) State = OutboundLegState.Failed;
        }
        _outcome.TrySetResult(new OutboundOutcome(false, 408, null));
    }

    /// <summary>§9.1: same Request-URI, Call-ID, From, To (without a tag of the callee), CSeq number and top Via as the INVITE.</summary>
    private void SendCancel()
    {
        var cancel = new SipRequest(SipMethods.Cancel, _invite.RequestUri);
        cancel.Via.Add(_invite.Via[0]);
        cancel.Route.AddRange(_invite.Route);
        cancel.From = _invite.From;
        cancel.To = _invite.To;
        cancel.CallId = _invite.CallId;
        cancel.CSeq = new SipCSeq(_invite.CSeq!.Number, SipMethods.Cancel);
        cancel.MaxForwards = 70;
        Send(cancel);
    }

    private void Send(SipRequest request) =>
        _sip.Transactions.SendRequest(request, Destination, new SipClientCallbacks(static _ => { }, static () => { }));
}
