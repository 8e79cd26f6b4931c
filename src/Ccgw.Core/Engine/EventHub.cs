using System.Collections.Immutable;
using System.Threading.Channels;

namespace Ccgw.Core;

/// <summary>A subscriber fell further behind than its buffer allows; re-read the snapshot and subscribe again.</summary>
public sealed class EventStreamOverflowException(int capacity)
    : Exception($"event subscriber fell more than {capacity} events behind and was disconnected")
{
}

/// <summary>Fans events out to per-subscriber bounded channels without ever blocking the writer loop.</summary>
internal sealed class EventHub
{
    private ImmutableArray<Subscriber> _subscribers = [];
    private int _completed;

    public ChannelReader<CoreEvent> Subscribe(int capacity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscriber = new Subscriber(capacity);
        ImmutableInterlocked.Update(ref _subscribers, (list, s) => list.Add(s), subscriber);
        if (Volatile.Read(ref _completed) != 0)
        {
            // The engine has stopped: nothing will ever arrive, so the reader ends at once instead of waiting forever.
            Remove(subscriber, null);
            return subscriber.Channel.Reader;
        }

        if (cancellationToken.CanBeCanceled)
            subscriber.Registration = cancellationToken.Register(() => Remove(subscriber, null));
        return subscriber.Channel.Reader;
    }

    public void Publish(List<CoreEvent> events)
    {
        foreach (var s in _subscribers)
        {
            foreach (var e in events)
            {
                if (!s.Channel.Writer.TryWrite(e))
                {
                    Remove(s, new EventStreamOverflowException(s.Capacity));
                    break;
                }
            }
        }
    }

    public void CompleteAll()
    {
        Interlocked.Exchange(ref _completed, 1); // full fence: a racing Subscribe either is seen below or sees the flag
        foreach (var s in _subscribers)
            Remove(s, null);
    }

    private void Remove(Subscriber subscriber, Exception? error)
    {
        ImmutableInterlocked.Update(ref _subscribers, (list, s) => list.Remove(s), subscriber);
        subscriber.Channel.Writer.TryComplete(error);
        subscriber.Registration.Dispose();
    }

    private sealed class Subscriber(int capacity)
    {
        public int Capacity { get; } = capacity;

        public Channel<CoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<CoreEvent>(
            new BoundedChannelOptions(capacity) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public CancellationTokenRegistration Registration { get; set; }
    }
}
