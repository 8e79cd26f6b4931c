using Ccgw.Sip.Message;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Transactions;

public abstract class SipServerTransaction : SipTransaction
{
    private protected SipServerTransaction(string key, SipRequest request, SipEndPoint source, ISipSender sender, TimeProvider time, SipTimerSettings timers)
        : base(key, request, source, sender, time, timers) =>
        ResponseDestination = SipResponseRouting.DestinationFor(request.Via[0], source);

    /// <summary>Per §18.2.2 (received/rport for UDP, the same connection for streams).</summary>
    public SipEndPoint ResponseDestination { get; }

    /// <summary>The final response sent, once there is one.</summary>
    public SipResponse? FinalResponse { get; private protected set; }

    /// <summary>Sends a response from the TU; ignored (returns false) once a final response was sent.</summary>
    public abstract bool SendResponse(SipResponse response);

    /// <summary>Handles a retransmitted request (or ACK); true when it was absorbed here.</summary>
    internal abstract bool ReceiveRequest(SipRequest request);
}

/// <summary>
/// INVITE server transaction, RFC 3261 §17.2.1 (figure 7) with the RFC 6026 Accepted state:
/// Proceeding → Completed → Confirmed → Terminated, or Proceeding → Accepted → Terminated after a 2xx.
/// Timer G retransmits a non-2xx final over unreliable transports, H gives up waiting for the ACK,
/// I absorbs ACK retransmissions, L (64*T1) absorbs INVITE retransmissions after a 2xx. The 2xx itself is
/// retransmitted here too (the UAS core duty of §13.3.1.4, same T1→T2 schedule) until the layer matches
/// its ACK; no ACK by Timer L raises <see cref="AckTimeout"/> so the TU can send BYE.
/// </summary>
public sealed class SipServerInviteTransaction : SipServerTransaction
{
    private readonly TransactionTimer _timerG;
    private readonly TransactionTimer _timerH;
    private readonly TransactionTimer _timerI;
    private readonly TransactionTimer _timerL;
    private readonly TransactionTimer _timer2xx;
    private TimeSpan _intervalG;
    private TimeSpan _interval2xx;
    private bool _acked;
    private SipResponse? _lastProvisional;

    internal SipServerInviteTransaction(string key, SipRequest request, SipEndPoint source, ISipSender sender, TimeProvider time, SipTimerSettings timers)
        : base(key, request, source, sender, time, timers)
    {
        State = SipTransactionState.Proceeding;
        _timerG = NewTimer(OnTimerG);
        _timerH = NewTimer(OnTimerH);
        _timerI = NewTimer(Terminate);
        _timerL = NewTimer(OnTimerL);
        _timer2xx = NewTimer(OnTimer2xx);
    }

    /// <summary>Raised when the peer never ACKed our final response (Timer H, or Timer L after a 2xx).</summary>
    public event Action<SipServerInviteTransaction>? AckTimeout;

    /// <summary>§17.2.1: answer 100 Trying at once, so the client stops retransmitting.</summary>
    internal void SendTrying() => SendResponse(SipResponseFactory.Create(Request, 100));

    public override bool SendResponse(SipResponse response)
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Proceeding) return false;
            Sender.Send(response, ResponseDestination);
            if (response.StatusCode < 200)
            {
                _lastProvisional = response;
                return true;
            }
            FinalResponse = response;
            if (response.StatusCode < 300)
            {
                State = SipTransactionState.Accepted;
                _timerL.Start(Timers.TransactionTimeout);
                if (!Reliable)
                {
                    _interval2xx = Timers.T1;
                    _timer2xx.Start(_interval2xx);
                }
                return true;
            }
            State = SipTransactionState.Completed;
            if (!Reliable)
            {
                _intervalG = Timers.T1;
                _timerG.Start(_intervalG);
            }
            _timerH.Start(Timers.TransactionTimeout);
        }
        return true;
    }

    internal override bool ReceiveRequest(SipRequest request)
    {
        var terminate = false;
        lock (Gate)
        {
            if (request.Method == SipMethods.Ack)
            {
                switch (State)
                {
                    case SipTransactionState.Completed:
                        _timerG.Stop();
                        _timerH.Stop();
                        State = SipTransactionState.Confirmed;
                        if (Reliable) terminate = true;
                        else _timerI.Start(Timers.TimerIorK(Reliable));
                        break;
                    case SipTransactionState.Confirmed:
                        break;
                    default:
                        // ACK for a 2xx is its own transaction and belongs to the TU (§17.2.1, RFC 6026 §7.1).
                        return false;
                }
            }
            else
            {
                switch (State)
                {
                    case SipTransactionState.Proceeding when _lastProvisional is not null:
                        Sender.Send(_lastProvisional, ResponseDestination);
                        break;
                    case SipTransactionState.Completed:
                        Sender.Send(FinalResponse!, ResponseDestination);
                        break;
                }
            }
        }
        if (terminate) Terminate();
        return true;
    }

    /// <summary>The ACK for our 2xx arrived (matched by Call-ID and CSeq, §13.3.1.4): stop retransmitting it.</summary>
    internal bool AcknowledgeSuccess()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Accepted) return false;
            _acked = true;
            _timer2xx.Stop();
            return true;
        }
    }

    private void OnTimer2xx()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Accepted || _acked) return;
            Sender.Send(FinalResponse!, ResponseDestination);
            _interval2xx = TimeSpan.FromTicks(Math.Min((_interval2xx * 2).Ticks, Timers.T2.Ticks));
            _timer2xx.Start(_interval2xx);
        }
    }

    private void OnTimerL()
    {
        bool unacked;
        lock (Gate)
        {
            unacked = State == SipTransactionState.Accepted && !_acked;
        }
        if (unacked) AckTimeout?.Invoke(this);
        Terminate();
    }

    private void OnTimerG()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Completed) return;
            Sender.Send(FinalResponse!, ResponseDestination);
            _intervalG = TimeSpan.FromTicks(Math.Min((_intervalG * 2).Ticks, Timers.T2.Ticks));
            _timerG.Start(_intervalG);
        }
    }

    private void OnTimerH()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Completed) return;
        }
        AckTimeout?.Invoke(this);
        Terminate();
    }
}

/// <summary>
/// Non-INVITE server transaction, RFC 3261 §17.2.2 (figure 8): Trying → Proceeding → Completed → Terminated.
/// Request retransmissions are answered with the last response; Timer J keeps the final around for 64*T1.
/// </summary>
public sealed class SipServerNonInviteTransaction : SipServerTransaction
{
    private readonly TransactionTimer _timerJ;
    private SipResponse? _lastResponse;

    internal SipServerNonInviteTransaction(string key, SipRequest request, SipEndPoint source, ISipSender sender, TimeProvider time, SipTimerSettings timers)
        : base(key, request, source, sender, time, timers)
    {
        State = SipTransactionState.Trying;
        _timerJ = NewTimer(Terminate);
    }

    public override bool SendResponse(SipResponse response)
    {
        var terminate = false;
        lock (Gate)
        {
            if (State is not (SipTransactionState.Trying or SipTransactionState.Proceeding)) return false;
            Sender.Send(response, ResponseDestination);
            _lastResponse = response;
            if (response.StatusCode < 200)
            {
                State = SipTransactionState.Proceeding;
                return true;
            }
            FinalResponse = response;
            State = SipTransactionState.Completed;
            if (Reliable) terminate = true;
            else _timerJ.Start(Timers.TimerJ(Reliable));
        }
        if (terminate) Terminate();
        return true;
    }

    internal override bool ReceiveRequest(SipRequest request)
    {
        lock (Gate)
        {
            if (State is SipTransactionState.Proceeding or SipTransactionState.Completed && _lastResponse is not null)
                Sender.Send(_lastResponse, ResponseDestination);
        }
        return true;
    }
}
