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
/// in front of a PBX needs and keeps working through NAT. Not thread-safe: the owning call serialises access.
/// </summary>
internal sealed class InboundLeg
{
    private readonly SipSignalling _sip;
    private readonly SipServerInviteTransaction _invite;
    private readonly string _localTag = SipSignalling.NewTag();
    private SipDialog? _dialog;

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

    /// <summary>200 OK with our SDP answer and Contact; the dialog exists from here on (§12.1.1).</summary>
    public void Answer(string sdp)
    {
        if (State != InboundLegState.Offered) return;
        var ok = SipResponseFactory.Create(Invite, 200, toTag: _localTag);
        ok.Contact.Add(_sip.Contact(Peer.Transport));
        SipSignalling.SetSdp(ok, sdp);
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
                SendInDialog(dialog.CreateRequest(SipMethods.Bye, _sip.NewVia(Peer)));
                MarkEnded();
                return;
        }
    }

    /// <summary>Sends INFO (e.g. DTMF relayed from the other leg) inside this dialog.</summary>
    public void SendInfo(string contentType, ReadOnlyMemory<byte> body)
    {
        if (State is not (InboundLegState.Answered or InboundLegState.Confirmed) || _dialog is null) return;
        var info = _dialog.CreateRequest(SipMethods.Info, _sip.NewVia(Peer));
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
