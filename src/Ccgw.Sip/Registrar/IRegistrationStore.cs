using System.Collections.Concurrent;

namespace Ccgw.Sip.Registrar;

/// <summary>One contact bound to an address-of-record (RFC 3261 §10.3).</summary>
/// <param name="Aor">Canonical "sip:user@domain" key.</param>
/// <param name="ContactUri">The contact URI exactly as registered (URI parameters kept, header params not).</param>
/// <param name="ReceivedFrom">"UDP:ip:port" the REGISTER came from, to reach agents behind NAT.</param>
public sealed record SipBinding(string Aor, string ContactUri, string CallId, uint CSeq, DateTimeOffset ExpiresAt, string? Q, string ReceivedFrom);

/// <summary>
/// The registrar's bindings. The daemon serves them from memory and writes them to storage in groups
/// (<see cref="GroupCommitRegistrationStore"/>); tests use <see cref="InMemoryRegistrationStore"/>.
/// </summary>
public interface IRegistrationStore
{
    /// <summary>Bindings of <paramref name="aor"/>, expired ones possibly included (the registrar filters).</summary>
    ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces every binding of <paramref name="aor"/> (an empty list removes them all). The new list is what
    /// <see cref="GetBindingsAsync"/> answers as soon as this call returns, before the returned task completes; the task
    /// completes once the change is as durable as the store promises (the registrar sends its 200 OK after that). Split so
    /// that the registrar orders its read-modify-write in memory and waits for durability outside its lock, which is what
    /// lets one storage transaction carry the REGISTERs of many phones. The caller does not change the list afterwards.
    /// </summary>
    ValueTask ReplaceBindingsAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken);
}

public sealed class InMemoryRegistrationStore : IRegistrationStore
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<SipBinding>> _bindings = new(StringComparer.OrdinalIgnoreCase);

    public ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_bindings.TryGetValue(aor, out var b) ? b : (IReadOnlyList<SipBinding>)[]);

    public ValueTask ReplaceBindingsAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken)
    {
        if (bindings.Count == 0) _bindings.TryRemove(aor, out _);
        else _bindings[aor] = bindings.ToArray();
        return ValueTask.CompletedTask;
    }
}
