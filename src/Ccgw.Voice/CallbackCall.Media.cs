using Ccgw.Media;
using Ccgw.Media.Audio;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;

namespace Ccgw.Voice;

/// <summary>What the call-back plays on its legs, and the legs' in-dialog requests.</summary>
internal sealed partial class CallbackCall
{
    // ---- what the gateway plays -------------------------------------------------------------------------------------

    /// <summary>Starts prompts then music on a leg; called under the gate so a hang-up in between cannot miss it.</summary>
    private Playback Play(CallMedia media, IReadOnlyList<string?> prompts, string? music, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        return new Playback(cts, Task.Run(() => PlayAsync(media, prompts, music, cts.Token), CancellationToken.None));
    }

    private async Task PlayAsync(CallMedia media, IReadOnlyList<string?> prompts, string? music, CancellationToken ct)
    {
        try
        {
            var codec = media.Audio?.Codec ?? G711Codec.Pcmu;
            foreach (var id in prompts)
                if (id is not null && _parts.Announcer.OptionalPrompt(id, codec) is { } prompt)
                    await media.PlayAsync(prompt, ct);
            if (music is not null && _parts.Announcer.OptionalPrompt(music, codec) is { } hold)
                await media.PlayOnHoldAsync(hold, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (ct.IsCancellationRequested)
        {
            // Bridged while a prompt was starting: the relay owns the stream now.
        }
    }

    private async Task StopPlaybackAsync()
    {
        Playback? customer;
        Playback? agent;
        lock (_gate)
        {
            customer = _customerAudio;
            agent = _agentAudio;
            _customerAudio = null;
            _agentAudio = null;
        }
        foreach (var p in new[] { customer, agent })
        {
            if (p is null) continue;
            await p.Stop.CancelAsync();
            await p.Task;
            p.Stop.Dispose();
        }
    }

    // ---- in-dialog requests -------------------------------------------------------------------------------------------

    /// <summary>BYE, INFO, re-INVITE, UPDATE or OPTIONS from one of the legs. False: not handled (the stack answers).</summary>
    public bool TakeInDialogRequest(SipServerTransaction transaction, OutboundLeg leg)
    {
        var request = transaction.Request;
        if (!leg.Accept(request))
        {
            InDialogRouter.Respond(transaction, 500);
            return true;
        }
        OutboundLeg? other;
        CallMedia? media;
        bool connected;
        bool inFlow;
        lock (_gate)
        {
            var fromCustomer = leg == _customerLeg;
            // An automated call-back's keys are collected from the answer on: a key by INFO that arrives between the
            // answer and the flow's first read waits in the media's digit queue, as a key by RTP event does.
            inFlow = fromCustomer && (_phase == CallbackCallPhase.RunningFlow || (_ivr is not null && _phase == CallbackCallPhase.DiallingCustomer));
            other = fromCustomer ? _agent?.Leg : _customerLeg;
            media = fromCustomer ? _customerMedia : _agent?.Media;
            connected = _phase == CallbackCallPhase.Connected;
        }
        switch (request.Method)
        {
            case SipMethods.Bye:
                InDialogRouter.Respond(transaction, 200);
                _ = OnByeAsync(leg);
                return true;
            case SipMethods.Info:
                // DTMF relayed once bridged (e.g. to the customer's own IVR); in an automated call-back's flow, collected.
                if (connected) other?.SendInfo(request.ContentType ?? "application/dtmf-relay", request.Body);
                else if (inFlow && media is not null)
                {
                    // An automated call-back's flow collects the customer's keys by INFO as an inbound call's does.
                    InDialogRouter.Respond(transaction, media.AcceptSipInfo(request.ContentType, SipSignalling.BodyText(request)) ? 200 : 415);
                    return true;
                }
                InDialogRouter.Respond(transaction, 200);
                return true;
            case SipMethods.Invite or SipMethods.Update or SipMethods.Options:
                InDialogRouter.AnswerInDialog(transaction, media, _parts.Dialler.Sip);
                return true;
            default:
                return false;
        }
    }
}
