namespace Ccgw.Daemon;

/// <summary>What readiness depends on: storage migrated and every listener bound.</summary>
internal sealed class DaemonState
{
    private volatile bool _storageReady;
    private volatile bool _listenersBound;

    public bool StorageReady => _storageReady;
    public bool ListenersBound => _listenersBound;
    public string InstanceId { get; private set; } = "";

    public void MarkStorageReady(string instanceId)
    {
        InstanceId = instanceId;
        _storageReady = true;
    }

    public void MarkListenersBound() => _listenersBound = true;
}
