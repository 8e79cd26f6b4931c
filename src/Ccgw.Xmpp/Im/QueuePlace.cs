namespace Ccgw.Xmpp.Im;

/// <summary>
/// A place in the queue as told to a waiting chat customer: position (0: not known) and estimated wait in seconds
/// (null: no estimate). <see cref="IsMaterialChangeFrom"/> decides whether a newer place is worth another message.
/// </summary>
internal readonly record struct QueuePlace(int Position, double? WaitSeconds)
{
    /// <summary>
    /// Whether this place is worth telling after <paramref name="told"/>: a better position always is (that is what a
    /// waiting customer wants to hear); a worse one is not by itself (a higher-priority arrival says nothing useful to
    /// them), but the wait moving by <paramref name="waitChange"/> or more either way is, as is an estimate appearing
    /// or going away. Small drifts of the estimate are not, so a busy queue does not become a stream of messages.
    /// </summary>
    public bool IsMaterialChangeFrom(QueuePlace told, TimeSpan waitChange)
    {
        if (Position > 0 && (told.Position == 0 || Position < told.Position)) return true;
        return (WaitSeconds, told.WaitSeconds) switch
        {
            (null, null) => false,
            ({ } now, { } before) => Math.Abs(now - before) >= waitChange.TotalSeconds,
            _ => true,
        };
    }
}
