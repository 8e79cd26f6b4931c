using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;

namespace Ccgw.Voice.Trunks;

internal enum TrunkVerdict
{
    /// <summary>The call comes from a configured trunk (<see cref="TrunkAdmissionDecision.TrunkId"/>).</summary>
    Accepted,

    /// <summary>A trunk that needs digest may be calling: answer 401 with a fresh challenge (or stale=true).</summary>
    Challenge,

    /// <summary>No trunk matches (wrong address, wrong or rate-limited credentials): answer 403.</summary>
    Refused,
}

internal sealed record TrunkAdmissionDecision(TrunkVerdict Verdict, string? TrunkId = null, bool Stale = false);

/// <summary>
/// Decides whether a new INVITE comes from one of the configured trunks (CONTRACT.md §4). A trunk admits a call when
/// every condition it sets holds: the source address is in its <c>AllowFrom</c> list (IP or CIDR), if it has one, and
/// the request carries valid digest credentials (RFC 3261 §22.2, RFC 8760) for its <c>Username</c>, if it has one. A
/// trunk with neither admits nothing. Digest answers are checked against the trunks' own credentials, never agents'.
/// </summary>
internal sealed class TrunkAdmission
{
    private readonly List<Trunk> _trunks;
    private readonly SipDigestAuthenticator _digest;

    public TrunkAdmission(IEnumerable<VoiceTrunk> trunks, string realm, TimeProvider time, byte[]? nonceKey = null)
    {
        _trunks = [.. trunks.Select(Trunk.From)];
        var credentials = _trunks.Where(t => t.Username is not null)
            .Select(t => SipCredentials.FromPassword(t.Username!, realm, t.Password));
        _digest = new SipDigestAuthenticator(new SipDigestOptions { Realm = realm, NonceKey = nonceKey }, new InMemoryCredentialStore(credentials), time);
    }

    /// <summary>Adds the 401's challenges (one per digest algorithm, sharing one nonce).</summary>
    public void AddChallenges(SipResponse response, bool stale) => _digest.AddChallenges(response, stale);

    public async ValueTask<TrunkAdmissionDecision> DecideAsync(SipRequest invite, IPAddress source, CancellationToken cancellationToken)
    {
        if (source.IsIPv4MappedToIPv6) source = source.MapToIPv4();
        var fromHere = _trunks.Where(t => t.Networks.Count == 0 || t.Networks.Any(n => n.Contains(source))).ToList();
        if (fromHere.FirstOrDefault(t => t.Networks.Count > 0 && t.Username is null) is { } byAddress)
            return new(TrunkVerdict.Accepted, byAddress.Id);
        var needDigest = fromHere.Where(t => t.Username is not null).ToList();
        if (needDigest.Count == 0) return new(TrunkVerdict.Refused);

        var result = await _digest.AuthenticateAsync(invite, source, SipHeaderNames.Authorization, cancellationToken);
        return result.Outcome switch
        {
            DigestOutcome.Authenticated when needDigest.FirstOrDefault(t => t.Username == result.UserName) is { } trunk => new(TrunkVerdict.Accepted, trunk.Id),
            DigestOutcome.Challenge => new(TrunkVerdict.Challenge),
            // A trunk's own password, but the nonce aged out: ask again without counting it as a failure (RFC 7616 §3.3).
            DigestOutcome.Stale when needDigest.Any(t => t.Username == result.UserName) => new(TrunkVerdict.Challenge, Stale: true),
            _ => new(TrunkVerdict.Refused),
        };
    }

    private sealed record Trunk(string Id, IReadOnlyList<IPNetwork> Networks, string? Username, string Password)
    {
        public static Trunk From(VoiceTrunk o) => new(o.Id, [.. o.AllowFrom.Select(ParseNetwork)],
            o.Credentials is { Username: { Length: > 0 } u } ? u : null, o.Credentials?.Password ?? string.Empty);

        /// <summary>"192.0.2.7" is a /32 (or /128); "192.0.2.0/24" a network. Configuration validation rejects anything else.</summary>
        private static IPNetwork ParseNetwork(string text)
        {
            if (IPAddress.TryParse(text, out var address))
                return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return IPNetwork.Parse(text);
        }
    }
}
