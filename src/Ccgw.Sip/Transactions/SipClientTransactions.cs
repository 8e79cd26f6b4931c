using Ccgw.Sip.Message;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Transactions;

/// <summary>What a client transaction reports to its transaction user.</summary>
public sealed record SipClientCallbacks(Action<SipResponse> OnResponse, Action OnTimeout);

public abstract class SipClientTransaction : SipTransaction
{
    private protected SipClientTransaction(string key, SipRequest request, SipEndPoint peer, ISipSender sender, TimeProvider time, SipTimerSettings timers, SipClientCallbacks callbacks)
        : base(key, request, peer, sender, time, timers) => Callbacks = callbacks;

    private protected SipClientCallbacks Callbacks { get; }

    /// <summary>Sends the request (its first transmission before returning when <paramref name="sendBeforeReturning"/>) and starts the timers.</summary>
    internal abstract void Start(bool sendBeforeReturning);

    /// <summary>The request's first transmission, by the queue or (see <see cref="ISipSender.SendBeforeReturning"/>) before returning.</summary>
    private protected void SendFirst(bool sendBeforeReturning)
    {
        if (sendBeforeReturning) Sender.SendBeforeReturning(Request, Peer);
        else Sender.Send(Request, Peer);
    }

    internal abstract void ReceiveResponse(SipResponse response);
}

/// <summary>
/// INVITE client transaction, RFC 3261 §17.1.1 (figure 5): Calling → Proceeding → Completed → Terminated.
/// Timer A retransmits over unreliable transports, B bounds the wait, D absorbs final-response
/// retransmissions. ACK for a non-2xx final is generated here (§17.1.1.3); ACK for 2xx belongs to the TU.
/// Timer C is a proxy timer (§16.6) and is not implemented.
/// </summary>
public sealed class SipClientInviteTransaction : SipClientTransaction
{
    private readonly TransactionTimer _timerA;
    private readonly TransactionTimer _timerB;
    private readonly TransactionTimer _timerD;
    private TimeSpan _intervalA;
    private SipRequest? _ack;

    internal SipClientInviteTransaction(string key, SipRequest request, SipEndPoint peer, ISipSender sender, TimeProvider time, SipTimerSettings timers, SipClientCallbacks callbacks)
        : base(key, request, peer, sender, time, timers, callbacks)
    {
        State = SipTransactionState.Calling;
        _timerA = NewTimer(OnTimerA);
        _timerB = NewTimer(OnTimerB);
        _timerD = NewTimer(Terminate);
    }

    internal override void Start(bool sendBeforeReturning)
    {
        lock (Gate)
        {
            SendFirst(sendBeforeReturning);
            if (!Reliable)
            {
                _intervalA = Timers.T1;
                _timerA.Start(_intervalA);
            }
            _timerB.Start(Timers.TransactionTimeout);
        }
    }

    internal override void ReceiveResponse(SipResponse response)
    {
        var deliver = false;
        var terminate = false;
        lock (Gate)
        {
            switch (State)
            {
                case SipTransactionState.Calling or SipTransactionState.Proceeding when response.StatusCode < 200:
                    State = SipTransactionState.Proceeding;
                    _timerA.Stop();
                    deliver = true;
                    break;
                case SipTransactionState.Calling or SipTransactionState.Proceeding when response.StatusCode < 300:
                    deliver = true;
                    terminate = true;
                    break;
                case SipTransactionState.Calling or SipTransactionState.Proceeding:
                    _timerA.Stop();
                    _timerB.Stop();
                    _ack = BuildAck(Request, response);
                    Sender.Send(_ack, Peer);
                    State = SipTransactionState.Completed;
                    deliver = true;
                    if (Reliable) terminate = true;
                    else _timerD.Start(Timers.TimerD(Reliable));
                    break;
                case SipTransactionState.Completed when response.StatusCode >= 300:
                    Sender.Send(_ack!, Peer);
                    break;
            }
        }
        if (deliver) Callbacks.OnResponse(response);
        if (terminate) Terminate();
    }

    private void OnTimerA()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Calling) return;
            Sender.Send(Request, Peer);
            _intervalA *= 2;
            _timerA.Start(_intervalA);
        }
    }

    private void OnTimerB()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Calling) return;
        }
        Callbacks.OnTimeout();
        Terminate();
    }

    /// <summary>§17.1.1.3: the ACK reuses the INVITE's Request-URI, Call-ID, From, CSeq number, top Via and Route set.</summary>
    internal static SipRequest BuildAck(SipRequest invite, SipResponse response)
    {
        var ack = new SipRequest(SipMethods.Ack, invite.RequestUri);
        ack.Via.Add(invite.Via[0]);
        ack.Route.AddRange(invite.Route);
        ack.From = invite.From;
        ack.To = response.To ?? invite.To;
        ack.CallId = invite.CallId;
        ack.CSeq = new SipCSeq(invite.CSeq!.Number, SipMethods.Ack);
        ack.MaxForwards = 70;
        return ack;
    }
}

/// <summary>
/// Non-INVITE client transaction, RFC 3261 §17.1.2 (figure 6): Trying → Proceeding → Completed → Terminated.
/// Timer E retransmits (doubling to T2, then T2 once a provisional arrived), F bounds the wait, K absorbs
/// response retransmissions.
/// </summary>
public sealed class SipClientNonInviteTransaction : SipClientTransaction
{
    private readonly TransactionTimer _timerE;
    private readonly TransactionTimer _timerF;
    private readonly TransactionTimer _timerK;
    private TimeSpan _intervalE;

    internal SipClientNonInviteTransaction(string key, SipRequest request, SipEndPoint peer, ISipSender sender, TimeProvider time, SipTimerSettings timers, SipClientCallbacks callbacks)
        : base(key, request, peer, sender, time, timers, callbacks)
    {
        State = SipTransactionState.Trying;
        _timerE = NewTimer(OnTimerE);
        _timerF = NewTimer(OnTimerF);
        _timerK = NewTimer(Terminate);
    }

    internal override void Start(bool sendBeforeReturning)
    {
        lock (Gate)
        {
            SendFirst(sendBeforeReturning);
            if (!Reliable)
            {
                _intervalE = Timers.T1;
                _timerE.Start(_intervalE);
            }
            _timerF.Start(Timers.TransactionTimeout);
        }
    }

    internal override void ReceiveResponse(SipResponse response)
    {
        var deliver = false;
        var terminate = false;
        lock (Gate)
        {
            if (State is SipTransactionState.Trying or SipTransactionState.Proceeding)
            {
                deliver = true;
                if (response.StatusCode < 200)
                {
                    State = SipTransactionState.Proceeding;
                }
                else
                {
                    State = SipTransactionState.Completed;
                    _timerE.Stop();
                    _timerF.Stop();
                    if (Reliable) terminate = true;
                    else _timerK.Start(Timers.TimerIorK(Reliable));
                }
            }
        }
        if (deliver) Callbacks.OnResponse(response);
        if (terminate) Terminate();
    }

    private void OnTimerE()
    {
        lock (Gate)
        {
            if (State is not (SipTransactionState.Trying or SipTransactionState.Proceeding)) return;
            Sender.Send(Request, Peer);
            _intervalE = State == SipTransactionState.Proceeding ? Timers.T2 : TimeSpan.FromTicks(Math.Min((_intervalE * 2).Ticks, Timers.T2.Ticks));
            _timerE.Start(_intervalE);
        }
    }

    private void OnTimerF()
    {
        lock (Gate)
        {
            if (State is not (SipTransactionState.Trying or SipTransactionState.Proceeding)) return;
        }
        Callbacks.OnTimeout();
        Terminate();
    }
}
