using Ccgw.Core.Repositories;

namespace Ccgw.Core.Provisioning;

/// <summary>A queue is in use while a call-back for it is pending (scheduled, queued, dialling or interrupted).</summary>
public sealed class PendingCallbackQueueUsers(ICallbackRepository callbacks) : IQueueUsers
{
    private static readonly CallbackStatus[] Pending = [CallbackStatus.Scheduled, CallbackStatus.Queued, CallbackStatus.Dialling, CallbackStatus.Interrupted];

    public async ValueTask<string?> WhyInUseAsync(string queueId, CancellationToken cancellationToken)
    {
        // The list has no queue filter; pending call-backs are a working set (thousands at most), not the history.
        var pending = (await callbacks.ListAsync(statuses: Pending, limit: 100_000, cancellationToken: cancellationToken))
            .Where(c => c.QueueId == queueId).ToList();
        return pending.Count == 0 ? null
            : $"{pending.Count} call-back(s) are pending for queue '{queueId}' ({string.Join(", ", pending.Take(10).Select(c => c.Id))}); "
              + "cancel or complete them, then remove the queue";
    }
}
