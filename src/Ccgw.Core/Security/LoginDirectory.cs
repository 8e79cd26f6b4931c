using System.Collections.Immutable;

namespace Ccgw.Core.Security;

/// <summary>
/// The staff logins every protocol checks (SIP digest, XMPP SCRAM, MQTT passwords), read at each login so that agents
/// added, changed or removed at run time log in (or stop logging in) at once without a restart.
/// </summary>
public interface ILoginDirectory
{
    /// <summary>The login with exactly this id, or null.</summary>
    StaffLogin? Find(string id);

    /// <summary>The login whose id in lower case is <paramref name="lowerCaseId"/> (XMPP localparts are lower case), or null.</summary>
    StaffLogin? FindLowerCase(string lowerCaseId);

    /// <summary>Every login now, in no particular order.</summary>
    IReadOnlyCollection<StaffLogin> All { get; }
}

/// <summary>
/// The live <see cref="ILoginDirectory"/>: seeded from the configuration's people (<c>CoreDefinitions.StaffLogins</c>),
/// then kept current by provisioning. Readers take an immutable snapshot without locking; writers swap it under a lock.
/// </summary>
public sealed class StaffLoginDirectory : ILoginDirectory
{
    private readonly Lock _write = new();
    private Index _index;

    private sealed record Index(ImmutableDictionary<string, StaffLogin> ById, ImmutableDictionary<string, StaffLogin> ByLowerCase);

    public StaffLoginDirectory(IEnumerable<StaffLogin> logins)
    {
        ArgumentNullException.ThrowIfNull(logins);
        _index = Build(logins);
    }

    public StaffLogin? Find(string id) => Volatile.Read(ref _index).ById.GetValueOrDefault(id);

    public StaffLogin? FindLowerCase(string lowerCaseId) => Volatile.Read(ref _index).ByLowerCase.GetValueOrDefault(lowerCaseId);

    public IReadOnlyCollection<StaffLogin> All => [.. Volatile.Read(ref _index).ById.Values];

    /// <summary>Adds or replaces one login.</summary>
    public void Set(StaffLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        lock (_write)
        {
            var i = _index;
            Volatile.Write(ref _index, new Index(i.ById.SetItem(login.Id, login), i.ByLowerCase.SetItem(login.Id.ToLowerInvariant(), login)));
        }
    }

    /// <summary>Adds or replaces many logins in one swap (the file's people at first start, thousands of them).</summary>
    public void SetAll(IEnumerable<StaffLogin> logins)
    {
        ArgumentNullException.ThrowIfNull(logins);
        lock (_write)
        {
            var byId = _index.ById.ToBuilder();
            var byLower = _index.ByLowerCase.ToBuilder();
            foreach (var login in logins)
            {
                byId[login.Id] = login;
                byLower[login.Id.ToLowerInvariant()] = login;
            }
            Volatile.Write(ref _index, new Index(byId.ToImmutable(), byLower.ToImmutable()));
        }
    }

    /// <summary>Removes one login; its sessions already open stay until they end (as Prosody and mosquitto do).</summary>
    public void Remove(string id)
    {
        lock (_write)
        {
            var i = _index;
            Volatile.Write(ref _index, new Index(i.ById.Remove(id), i.ByLowerCase.Remove(id.ToLowerInvariant())));
        }
    }

    /// <summary>Replaces every login (the stored people at start, when the store already holds them).</summary>
    public void ReplaceAll(IEnumerable<StaffLogin> logins)
    {
        var next = Build(logins);
        lock (_write) Volatile.Write(ref _index, next);
    }

    private static Index Build(IEnumerable<StaffLogin> logins)
    {
        var byId = ImmutableDictionary.CreateBuilder<string, StaffLogin>(StringComparer.Ordinal);
        var byLower = ImmutableDictionary.CreateBuilder<string, StaffLogin>(StringComparer.Ordinal);
        foreach (var login in logins)
        {
            byId[login.Id] = login;
            byLower[login.Id.ToLowerInvariant()] = login;
        }
        return new Index(byId.ToImmutable(), byLower.ToImmutable());
    }
}
