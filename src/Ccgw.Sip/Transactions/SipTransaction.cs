using Ccgw.Sip.Message;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Transactions;

public enum SipTransactionState
{
    /// <summary>INVITE client: request sent, nothing heard yet.</summary>
    Calling,

    /// <summary>Non-INVITE client/server: request sent or received, no provisional yet.</summary>
    Trying,

    Proceeding,

    Completed,

    /// <summary>INVITE server after ACK for a non-2xx final (§17.2.1).</summary>
    Confirmed,

    /// <summary>INVITE server after a 2xx (RFC 6026 §7.1): absorbs retransmitted INVITEs.</summary>
    Accepted,

    Terminated,
}

/// <summary>Common plumbing of the four RFC 3261 §17 state machines: a lock, the sender, the clock, termination.</summary>
public abstract class SipTransaction
{
    private protected readonly object Gate = new();
    private readonly List<TransactionTimer> _timers = [];
    private Action<SipTransaction>? _onTerminated;

    private protected SipTransaction(string key, SipRequest request, SipEndPoint peer, ISipSender sender, TimeProvider time, SipTimerSettings timers)
    {
        Key = key;
        Request = request;
        Peer = peer;
        Sender = sender;
        Time = time;
        Timers = timers;
    }

    public string Key { get; }

    public SipRequest Request { get; }

    /// <summary>Where requests go (client) or where the request came from (server).</summary>
    public SipEndPoint Peer { get; }

    public SipTransactionState State { get; private protected set; }

    private protected ISipSender Sender { get; }

    private protected TimeProvider Time { get; }

    private protected SipTimerSettings Timers { get; }

    private protected bool Reliable => Peer.IsReliable;

    internal void OnTerminated(Action<SipTransaction> callback) => _onTerminated = callback;

    /// <summary>Stops the machine without further sends (stack shutdown).</summary>
    internal void Abandon() => Terminate();

    private protected TransactionTimer NewTimer(Action onFire)
    {
        var t = new TransactionTimer(Time, () =>
        {
            lock (Gate)
            {
                if (State == SipTransactionState.Terminated) return;
            }
            onFire();
        });
        _timers.Add(t);
        return t;
    }

    /// <summary>Moves to Terminated, stops every timer and tells the layer to forget this transaction.</summary>
    private protected void Terminate()
    {
        Action<SipTransaction>? cb;
        lock (Gate)
        {
            if (State == SipTransactionState.Terminated) return;
            State = SipTransactionState.Terminated;
            foreach (var t in _timers) t.Stop();
            cb = _onTerminated;
        }
        cb?.Invoke(this);
    }
}
