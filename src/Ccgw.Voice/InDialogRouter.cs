using Ccgw.Media;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;

namespace Ccgw.Voice;

/// <summary>
/// Routes what the SIP stack hands up inside our calls (RFC 3261 §12.2.2): BYE, INFO, re-INVITE, UPDATE and OPTIONS to
/// the call or call-back whose dialog they belong to, ACK to the caller's leg, CANCEL to the call its INVITE started,
/// and 2xx retransmissions to the leg that must ACK them again (§13.2.2.4). The one way in for all of them is
/// <see cref="Edge.SipStackHost"/>, which owns the stack's hooks.
/// </summary>
internal sealed class InDialogRouter(CallRegistry registry, SipSignalling sip)
{
    /// <summary>A request inside one of our dialogs. False: not ours (the stack answers 481).</summary>
    public bool TakeInDialogRequest(SipServerTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = transaction.Request;
        if (SipDialog.IdOf(request) is not { } id) return false;
        if (registry.CallbackDialog(id) is { } callback) return callback.Call.TakeInDialogRequest(transaction, callback.Leg);
        if (registry.CallDialog(id) is not { } route) return false;
        var call = route.Call;
        var fromCaller = route.AgentLeg is null;
        var inSequence = fromCaller ? call.Caller.Accept(request) : route.AgentLeg!.Accept(request);
        if (!inSequence)
        {
            Respond(transaction, 500);
            return true;
        }
        switch (request.Method)
        {
            case SipMethods.Bye:
                Respond(transaction, 200);
                _ = fromCaller ? call.OnCallerByeAsync() : call.OnAgentByeAsync(route.AgentLeg!);
                break;
            case SipMethods.Info:
                Respond(transaction, call.OnInfo(request, fromCaller) ? 200 : 415);
                break;
            case SipMethods.Invite or SipMethods.Update when fromCaller:
                // A re-INVITE or UPDATE from the caller is also its session refresh (RFC 4028 §9, §10).
                var verdict = call.NegotiateRefresh(request);
                if (verdict.Reject)
                {
                    var tooBrief = SipResponseFactory.Create(request, 422);
                    tooBrief.Headers.Add(SessionTimer.MinSeHeader, verdict.TooBriefMinSe!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    transaction.SendResponse(tooBrief);
                    break;
                }
                if (AnswerInDialog(transaction, call.MediaOf(fromCaller), sip, verdict.Agreement)) call.OnSessionRefreshed(verdict.Agreement);
                break;
            case SipMethods.Invite or SipMethods.Update or SipMethods.Options:
                AnswerInDialog(transaction, call.MediaOf(fromCaller), sip);
                break;
            default:
                return false;
        }
        return true;
    }

    public static void Respond(SipServerTransaction transaction, int code) =>
        transaction.SendResponse(SipResponseFactory.Create(transaction.Request, code));

    /// <summary>
    /// OPTIONS → 200. A re-INVITE or UPDATE with SDP is answered from the same leg's media (hold, codec change; 488 if
    /// it cannot be); without SDP it is a session refresh, answered without changing media. With a session timer the
    /// 2xx carries its Session-Expires (RFC 4028 §9). True when the answer was 2xx.
    /// </summary>
    public static bool AnswerInDialog(SipServerTransaction transaction, CallMedia? media, SipSignalling sip, SessionTimerAgreement? sessionTimer = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(sip);
        var request = transaction.Request;
        if (request.Method == SipMethods.Options)
        {
            Respond(transaction, 200);
            return true;
        }
        string? sdp = null;
        if (SipSignalling.HasSdp(request))
        {
            if (media is null || !SipSignalling.TryParseSdp(SipSignalling.BodyText(request), out var offer) || !media.TryAnswer(offer, out var answer, out _))
            {
                Respond(transaction, 488);
                return false;
            }
            sdp = answer.ToString();
        }
        var ok = SipResponseFactory.Create(request, 200);
        ok.Contact.Add(sip.Contact(transaction.Peer.Transport));
        if (sessionTimer is not null) SessionTimer.Decorate(ok, sessionTimer);
        if (sdp is not null) SipSignalling.SetSdp(ok, sdp);
        transaction.SendResponse(ok);
        return true;
    }

    /// <summary>The ACK for our 200 to a caller confirms the caller's dialog.</summary>
    public void OnAck(SipRequest ack)
    {
        if (SipDialog.IdOf(ack) is { } id && registry.CallDialog(id) is { AgentLeg: null } route)
            route.Call.Caller.OnAck();
    }

    /// <summary>The caller gave up before or as we answered: 487 to the INVITE and the call ends as a hang-up.</summary>
    public void OnCancel(SipServerInviteTransaction invite)
    {
        ArgumentNullException.ThrowIfNull(invite);
        if (registry.CallByInvite(invite.Key) is not { } call)
        {
            AnswerUnknownCancel(invite);
            return;
        }
        call.Caller.Reject(487);
        _ = call.OnCallerByeAsync();
    }

    /// <summary>A CANCEL for an INVITE no call holds (refused, or not yet answered into a call): 487 Request Terminated.</summary>
    public static void AnswerUnknownCancel(SipServerInviteTransaction invite)
    {
        ArgumentNullException.ThrowIfNull(invite);
        invite.SendResponse(SipResponseFactory.Create(invite.Request, 487, toTag: SipSignalling.NewTag()));
    }

    /// <summary>A 2xx retransmission for a leg whose transaction has ended: the leg ACKs it again.</summary>
    public void OnStrayResponse(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.CallId is not { } callId) return;
        if (registry.LegByCallId(callId) is { } leg)
        {
            leg.TryAcknowledgeRetransmission(response);
            return;
        }
        // Our session refresh re-INVITE to a caller: its dialog id as the caller's requests carry it (our tag, then theirs).
        if (response.From?.Tag is { } ours && response.To?.Tag is { } theirs
            && registry.CallDialog(string.Join(';', callId, ours, theirs)) is { AgentLeg: null } route)
            route.Call.Caller.TryAcknowledgeRetransmission(response);
    }
}
