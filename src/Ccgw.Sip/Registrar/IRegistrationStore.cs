using System.Collections.Concurrent;

namespace Ccgw.Sip.Registrar;

/// <summary>One contact bound to an address-of-record (RFC 3261 §10.3).</summary>
/// <param name="Aor">Canonical "sip:user@domain" key.</param>
/// <param name="ContactUri">The contact URI exactly as registered (URI parameters kept, header params not).</param>
/// <param name="ReceivedFrom">"UDP:ip:port" the REGISTER came from, to reach agents behind NAT.</param>
public sealed record SipBinding(string Aor, string ContactUri, string CallId, uint CSeq, DateTimeOffset ExpiresAt, string? Q, string ReceivedFrom);

/// <summary>Persistent binding storage; the daemon provides a SQLite implementation.</summary>
public interface IRegistrationStore
{
    /// <summary>Bindings of <paramref name="aor"/>, expired ones possibly included (the registrar filters).</summary>
    ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken);

    /// <summary>Replaces every binding of <paramref name="aor"/> (an empty list removes them all).</summary>
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
