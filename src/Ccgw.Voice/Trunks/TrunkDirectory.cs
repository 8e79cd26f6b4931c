namespace Ccgw.Voice.Trunks;

/// <summary>
/// The trunks the voice path runs on now (issue 20): admission, DID routing, keep-alives and the call-back trunk read
/// the current list; provisioning and reload replace it as a whole. Readers take one immutable snapshot per decision,
/// so a call admitted under the old list keeps its flow while the next call sees the new one.
/// </summary>
public sealed class TrunkDirectory
{
    private volatile Snapshot _current;

    public TrunkDirectory(IReadOnlyList<VoiceTrunk> trunks) => _current = new Snapshot([.. trunks], 0);

    /// <summary>The trunks now (one snapshot; never changes under the caller).</summary>
    public IReadOnlyList<VoiceTrunk> Trunks => _current.Trunks;

    /// <summary>Incremented by every <see cref="Replace"/>, so a watcher can tell a new list from the one it runs on.</summary>
    public long Version => _current.Version;

    /// <summary>Raised after every <see cref="Replace"/>, on the caller's thread; handlers must be quick and not throw.</summary>
    public event Action? Changed;

    public void Replace(IReadOnlyList<VoiceTrunk> trunks)
    {
        ArgumentNullException.ThrowIfNull(trunks);
        _current = new Snapshot([.. trunks], _current.Version + 1);
        Changed?.Invoke();
    }

    private sealed record Snapshot(IReadOnlyList<VoiceTrunk> Trunks, long Version);
}
