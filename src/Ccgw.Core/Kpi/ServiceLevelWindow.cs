namespace Ccgw.Core.Kpi;

/// <summary>
/// A queue's service level over a sliding window, defined as Genesys Cloud and Amazon Connect define it:
/// <c>answered within the threshold / (answered + abandoned after the threshold)</c>. Interactions abandoned within the
/// threshold are left out of both sides (the customer gave up before the centre could be expected to answer). An
/// outcome counts at the moment it happened (answer or abandon), so the window holds exactly the outcomes whose time
/// <c>t</c> satisfies <c>now - window &lt; t &lt;= now</c>. Not thread-safe: its owner serialises access.
/// </summary>
internal sealed class ServiceLevelWindow
{
    private readonly TimeSpan _window;
    private readonly Queue<Outcome> _outcomes = new();
    private long _answeredWithin;
    private long _answered;
    private long _abandonedAfter;

    public ServiceLevelWindow(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _window = window;
    }

    /// <summary>Outcomes held (for the memory bound: one per answer or late abandon within the window).</summary>
    public int Count => _outcomes.Count;

    /// <summary>An interaction was answered after waiting; <paramref name="withinThreshold"/>: waited at most the queue's threshold.</summary>
    public void Answered(DateTimeOffset at, bool withinThreshold) => Add(new Outcome(at, withinThreshold ? Kind.AnsweredWithin : Kind.AnsweredLate));

    /// <summary>An interaction was abandoned; only those abandoned after the threshold count against the service level.</summary>
    public void Abandoned(DateTimeOffset at, bool afterThreshold)
    {
        if (afterThreshold)
            Add(new Outcome(at, Kind.AbandonedLate));
        else
            Evict(at); // still keeps the memory bounded by the window when only early abandons arrive
    }

    /// <summary>The figures of the window ending at <paramref name="now"/>.</summary>
    public ServiceLevelFigures Read(DateTimeOffset now)
    {
        Evict(now);
        return new ServiceLevelFigures(_answeredWithin, _answered, _abandonedAfter);
    }

    private void Add(Outcome outcome)
    {
        _outcomes.Enqueue(outcome);
        Tally(outcome, +1);
        Evict(outcome.At);
    }

    private void Evict(DateTimeOffset now)
    {
        var oldest = now - _window;
        while (_outcomes.TryPeek(out var first) && first.At <= oldest)
            Tally(_outcomes.Dequeue(), -1);
    }

    private void Tally(Outcome outcome, int sign)
    {
        switch (outcome.Kind)
        {
            case Kind.AnsweredWithin:
                _answeredWithin += sign;
                _answered += sign;
                break;
            case Kind.AnsweredLate:
                _answered += sign;
                break;
            default:
                _abandonedAfter += sign;
                break;
        }
    }

    private enum Kind : byte
    {
        AnsweredWithin,
        AnsweredLate,
        AbandonedLate,
    }

    private readonly record struct Outcome(DateTimeOffset At, Kind Kind);
}

/// <summary>One window's service level figures; <see cref="Ratio"/> is null when nothing counted (no answer, no late abandon).</summary>
public readonly record struct ServiceLevelFigures(long AnsweredWithin, long Answered, long AbandonedAfterThreshold)
{
    public double? Ratio => Answered + AbandonedAfterThreshold == 0 ? null : (double)AnsweredWithin / (Answered + AbandonedAfterThreshold);
}
