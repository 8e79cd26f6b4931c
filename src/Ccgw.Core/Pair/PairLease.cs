using Ccgw.Core.Repositories;

namespace Ccgw.Core.Pair;

/// <summary>A node's role in the active/standby pair (docs/operations.md).</summary>
public enum PairRole
{
    /// <summary>Waits for the lease to expire; takes no work.</summary>
    Standby,

    /// <summary>Holds the lease with a fencing token; the only node that takes work.</summary>
    Active,

    /// <summary>Held the lease and lost it (refused renewal, or no renewal within the lease time). Terminal for this
    /// process: it stops taking work at once and exits, and its supervisor starts it again as a standby.</summary>
    Fenced,
}

/// <summary>What one <see cref="PairLease.StepAsync"/> did: the role before and after, and why it changed.</summary>
public sealed record PairStep(PairRole Before, PairRole After, string Reason, Exception? Failure = null)
{
    public bool Changed => Before != After;
}

/// <summary>
/// One node's side of the pair's lease, as an explicit state machine:
/// <code>
///   Standby --acquired (new token)------------------------------&gt; Active
///   Active  --renewed with its token----------------------------&gt; Active
///   Active  --renewal refused (another holder or token)----------&gt; Fenced
///   Active  --no successful renewal for the lease time (local)---&gt; Fenced
/// </code>
/// The caller calls <see cref="StepAsync"/> every renew interval, and before each step waits no longer than
/// <see cref="NextStepDue"/>. Fencing by time: the local deadline is the lease time counted from the moment the last
/// successful renewal was <em>sent</em>, which is never later than the database's expiry, so this node stops before the
/// other can take over (clocks may disagree in offset, only their rates must roughly agree). Fencing by token: a node that
/// was paused past its lease finds its token refused at the next renewal. Nothing here sleeps or reads a wall clock:
/// time is the injected <see cref="TimeProvider"/>'s monotonic timestamp.
/// </summary>
public sealed class PairLease(ILeaseStore store, string nodeId, TimeSpan leaseTime, TimeSpan renewInterval, TimeProvider time)
{
    // Read by other threads (HoldsLease before a dial, metrics, status) while the keeper steps: the role is volatile
    // and the deadline is read and written whole.
    private volatile PairRole _role = PairRole.Standby;
    private long _validUntil; // TimeProvider timestamp; meaningful while Active
    private long _observedAt;

    public string NodeId => nodeId;
    public TimeSpan LeaseTime => leaseTime;
    public TimeSpan RenewInterval => renewInterval;
    public PairRole Role { get => _role; private set => _role = value; }

    /// <summary>The fencing token while Active (0 before the first lease).</summary>
    public long Token { get; private set; }

    /// <summary>How many times this node went from Standby to Active.</summary>
    public long Takeovers { get; private set; }

    /// <summary>The lease as last seen in the database (null before the first step), for status and metrics.</summary>
    public LeaseObservation? LastSeen { get; private set; }

    /// <summary>The lease's age now: its age when last seen plus the time since.</summary>
    public TimeSpan? LeaseAge => LastSeen is { } seen ? seen.Age + time.GetElapsedTime(_observedAt) : null;

    /// <summary>
    /// True only while Active and within the local deadline: the check to make before a durable side effect (dialling a
    /// call-back). Also turns Active into Fenced the moment the deadline has passed, whoever asks.
    /// </summary>
    public bool HoldsLease
    {
        get
        {
            if (Role == PairRole.Active && time.GetTimestamp() >= Interlocked.Read(ref _validUntil)) Role = PairRole.Fenced;
            return Role == PairRole.Active;
        }
    }

    /// <summary>When the next step is due: the renew interval, or sooner when the local deadline comes first.</summary>
    public TimeSpan NextStepDue
    {
        get
        {
            if (Role != PairRole.Active) return renewInterval;
            var left = Interlocked.Read(ref _validUntil) - time.GetTimestamp();
            var untilDeadline = TimeSpan.FromTicks((long)(Math.Max(0, left) * (double)TimeSpan.TicksPerSecond / time.TimestampFrequency));
            return untilDeadline < renewInterval ? untilDeadline : renewInterval;
        }
    }

    public async Task<PairStep> StepAsync(CancellationToken cancellationToken)
    {
        var before = Role;
        switch (Role)
        {
            case PairRole.Standby:
                return await TryTakeOverAsync(cancellationToken);
            case PairRole.Active:
                if (!HoldsLease) return new PairStep(before, Role, $"no renewal succeeded within the lease time ({leaseTime.TotalSeconds:0.#} s)");
                return await RenewAsync(cancellationToken);
            default:
                return new PairStep(before, Role, "fenced");
        }
    }

    private async Task<PairStep> TryTakeOverAsync(CancellationToken cancellationToken)
    {
        var sent = time.GetTimestamp();
        LeaseObservation seen;
        try
        {
            seen = await store.TryAcquireAsync(nodeId, leaseTime, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is unreachable: nobody can take the lease, so waiting as standby is the only safe move.
            return new PairStep(PairRole.Standby, PairRole.Standby, "the lease store did not answer", e);
        }
        Observe(seen);
        if (!seen.Won) return new PairStep(PairRole.Standby, PairRole.Standby, $"held by {seen.Holder}");
        Token = seen.Token;
        Interlocked.Exchange(ref _validUntil, sent + Ticks(leaseTime));
        Takeovers++;
        Role = PairRole.Active;
        return new PairStep(PairRole.Standby, PairRole.Active, $"took the lease with token {seen.Token}");
    }

    private async Task<PairStep> RenewAsync(CancellationToken cancellationToken)
    {
        var sent = time.GetTimestamp();
        LeaseObservation seen;
        try
        {
            seen = await store.TryRenewAsync(nodeId, Token, leaseTime, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Still Active until the local deadline: one failed round trip must not stop a healthy node. HoldsLease
            // turns it Fenced when the deadline passes without a renewal.
            return new PairStep(PairRole.Active, HoldsLease ? PairRole.Active : PairRole.Fenced, "renewal failed", e);
        }
        Observe(seen);
        if (!seen.Won)
        {
            Role = PairRole.Fenced;
            return new PairStep(PairRole.Active, PairRole.Fenced, $"renewal refused: the lease is held by {seen.Holder} with token {seen.Token}, ours was {Token}");
        }
        Interlocked.Exchange(ref _validUntil, sent + Ticks(leaseTime));
        return new PairStep(PairRole.Active, PairRole.Active, "renewed");
    }

    private void Observe(LeaseObservation seen)
    {
        LastSeen = seen;
        _observedAt = time.GetTimestamp();
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
