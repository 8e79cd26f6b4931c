using System.Threading.Channels;

namespace Ccgw.Core;

/// <summary>
/// A subscription to the core's events that survives falling behind. The hub never blocks the writer loop for a slow
/// reader: it disconnects one that is <c>capacity</c> events behind (<see cref="EventStreamOverflowException"/>). A
/// follower then subscribes again, after handing out every event it still had, and reports the gap once through
/// <see cref="TakeGap"/>, so its consumer re-reads the state it follows instead of stopping.
/// </summary>
/// <example><code>
/// while (await follower.WaitToReadAsync(ct))
/// {
///     if (follower.TakeGap(out var gap)) await ResyncAsync(gap, ct);
///     while (follower.TryRead(out var e)) Apply(e);
/// }
/// </code></example>
public sealed class EventFollower
{
    private readonly RoutingEngine _engine;
    private readonly int _capacity;
    private readonly CancellationToken _lifetime;
    private ChannelReader<CoreEvent> _reader;
    private long _lastSequence;
    private EventGap? _gap;

    /// <summary>Subscribes now: construct it before the engine runs to see every event from the first.</summary>
    public EventFollower(RoutingEngine engine, CancellationToken lifetime = default, int capacity = RoutingEngine.DefaultSubscriberCapacity)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _capacity = capacity;
        _lifetime = lifetime;
        _reader = engine.Subscribe(lifetime, capacity);
    }

    /// <summary>How many times the follower fell behind and subscribed again.</summary>
    public int Gaps { get; private set; }

    /// <summary>True when an event can be read (or a gap taken); false once the engine has stopped or the lifetime ended.</summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Buffered events are still handed out after the hub disconnected us; the exception comes only once they
            // are all read, so nothing that reached our buffer is skipped.
            return await _reader.WaitToReadAsync(cancellationToken);
        }
        catch (EventStreamOverflowException)
        {
            _reader = _engine.Subscribe(_lifetime, _capacity);
            _gap = new EventGap(_lastSequence, _engine.Snapshot.Version);
            Gaps++;
            return true;
        }
    }

    public bool TryRead(out CoreEvent coreEvent)
    {
        if (!_reader.TryRead(out var e))
        {
            coreEvent = null!;
            return false;
        }
        _lastSequence = e.Sequence;
        coreEvent = e;
        return true;
    }

    /// <summary>
    /// Once per re-subscription: the events after <see cref="EventGap.AfterSequence"/> that never reached us. Take it
    /// before reading on. The new subscription starts before a resync reads the state, so nothing falls between them;
    /// some events that follow may already show in what the resync read, and applying them again must be harmless.
    /// </summary>
    public bool TakeGap(out EventGap gap)
    {
        if (_gap is { } g)
        {
            _gap = null;
            gap = g;
            return true;
        }
        gap = default;
        return false;
    }
}

/// <summary>
/// Events a follower missed: those after <see cref="AfterSequence"/>, up to about <see cref="UpToSequence"/> (the
/// snapshot's version when it subscribed again; events applied meanwhile may arrive on the new subscription too).
/// </summary>
public readonly record struct EventGap(long AfterSequence, long UpToSequence)
{
    public long Missed => Math.Max(0, UpToSequence - AfterSequence);
}
