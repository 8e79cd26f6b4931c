namespace Ccgw.Sip.Transactions;

/// <summary>One named one-shot timer of a transaction, created from the injected <see cref="TimeProvider"/>.</summary>
internal sealed class TransactionTimer(TimeProvider time, Action onFire) : IDisposable
{
    private ITimer? _timer;

    public void Start(TimeSpan due)
    {
        Stop();
        _timer = time.CreateTimer(static s => ((Action)s!)(), onFire, due, Timeout.InfiniteTimeSpan);
    }

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }

    public void Dispose() => Stop();
}
