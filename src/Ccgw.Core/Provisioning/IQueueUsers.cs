namespace Ccgw.Core.Provisioning;

/// <summary>
/// What outside the routing core still uses a queue, asked before the queue is removed: the core knows the live
/// interactions, but not the call-backs stored for later (the dispatcher would hand them to a queue that is gone).
/// </summary>
public interface IQueueUsers
{
    /// <summary>Why the queue cannot go now (e.g. "2 call-backs are pending for queue 'vip'"), or null when nothing uses it.</summary>
    ValueTask<string?> WhyInUseAsync(string queueId, CancellationToken cancellationToken);
}
