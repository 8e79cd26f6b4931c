using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Auth;

public sealed record SipDigestOptions
{
    public string Realm { get; init; } = "localhost";

    /// <summary>
    /// Offered algorithms, one challenge each, in this order. RFC 8760 §2.4 would put SHA-256 first, but
    /// deployed UACs that read only the first challenge (verified: SIPp 3.6.1, sipsak 0.9.8) then fail, so
    /// MD5 leads by default; a client may still answer any offered algorithm, and hosts can reorder.
    /// </summary>
    public IReadOnlyList<DigestAlgorithm> Algorithms { get; init; } = [DigestAlgorithm.Md5, DigestAlgorithm.Sha256];

    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>HMAC key for nonces; random per process when null (nonces then die with the process).</summary>
    public byte[]? NonceKey { get; init; }

    /// <summary>Nonces whose nc is tracked at once (replay protection); beyond it a new nonce is challenged again.</summary>
    public int MaxTrackedNonces { get; init; } = 100_000;

    public int FailureBurst { get; init; } = 20;

    public TimeSpan FailureRefillEvery { get; init; } = TimeSpan.FromSeconds(3);
}

public enum DigestOutcome
{
    Authenticated,

    /// <summary>No usable credentials: answer 401 with a fresh challenge.</summary>
    Challenge,

    /// <summary>Right password, expired nonce: 401 with stale=true (RFC 7616 §3.3).</summary>
    Stale,

    /// <summary>Wrong credentials or unknown user (indistinguishable): 403.</summary>
    Forbidden,

    /// <summary>Too many failures for this user name from this address: 403 without checking.</summary>
    RateLimited,
}

public sealed record DigestResult(DigestOutcome Outcome, string? UserName = null);

/// <summary>
/// HTTP Digest for SIP (RFC 3261 §22, RFC 7616, RFC 8760): MD5 and SHA-256, nonces that carry an HMAC-signed
/// timestamp. qop=auth is required (RFC 2069's answer without nc/cnonce cannot be protected against replay), the
/// nonce count must grow on every request answered with one nonce (<see cref="NonceCounts"/>: a replayed header is
/// challenged again), and the <c>uri</c> must name the Request-URI's resource (RFC 7616 §3.4.6; scheme and user, see
/// <see cref="SameResource"/>), so a header captured on a call to one number cannot authorise a call to another. Unknown users are verified against a per-user dummy HA1 so answers and work
/// done match those for known users.
/// </summary>
public sealed class SipDigestAuthenticator
{
    private const int NonceBodyLength = 16;
    private const int NonceMacLength = 16;
    private readonly SipDigestOptions _options;
    private readonly ISipCredentialStore _store;
    private readonly TimeProvider _time;
    private readonly byte[] _key;
    private readonly FailedAuthRateLimiter _limiter;
    private readonly NonceCounts _counts;

    public SipDigestAuthenticator(SipDigestOptions options, ISipCredentialStore store, TimeProvider time)
    {
        _options = options;
        _store = store;
        _time = time;
        _key = options.NonceKey ?? RandomNumberGenerator.GetBytes(32);
        _limiter = new FailedAuthRateLimiter(time, options.FailureBurst, options.FailureRefillEvery);
        _counts = new NonceCounts(options.NonceLifetime, options.MaxTrackedNonces);
    }

    public string Realm => _options.Realm;

    public async ValueTask<DigestResult> AuthenticateAsync(SipRequest request, IPAddress source, string headerName, CancellationToken cancellationToken)
    {
        DigestHeader? credentials = null;
        foreach (var value in request.Headers.GetAll(headerName))
        {
            DigestHeader h;
            try
            {
                h = DigestHeader.Parse(value);
            }
            catch (SipParseException)
            {
                // An unparseable credential is no credential: the next header may hold ours; none gives a challenge.
                continue;
            }
            if (h.IsDigest && string.Equals(h["realm"], _options.Realm, StringComparison.Ordinal))
            {
                credentials = h;
                break;
            }
        }
        if (credentials is null) return new(DigestOutcome.Challenge);
        var algorithm = DigestHash.Parse(credentials["algorithm"]);
        var user = credentials["username"];
        var nonce = credentials["nonce"];
        var uri = credentials["uri"];
        var response = credentials["response"];
        if (algorithm is not { } alg || !_options.Algorithms.Contains(alg) || user is null || nonce is null || uri is null || response is null)
            return new(DigestOutcome.Challenge);
        // Per address and user name (FailedAuthRateLimiter): checked before any hashing, once the name is known.
        if (_limiter.IsBlocked(source, user)) return new(DigestOutcome.RateLimited, user);
        var nonceState = CheckNonce(nonce, out var issued);
        if (nonceState == NonceState.Forged) return new(DigestOutcome.Challenge);
        // Checked before any hashing: a header made for another Request-URI (or none we can read) is no credential here.
        if (!SipUri.TryParse(uri, out var digestUri) || digestUri is null || !SameResource(digestUri, request.RequestUri))
            return new(DigestOutcome.Challenge);

        var found = await _store.FindAsync(user, _options.Realm, cancellationToken);
        var ha1 = found is null ? DummyHa1(alg, user) : alg == DigestAlgorithm.Md5 ? found.Ha1Md5 : found.Ha1Sha256;
        var qop = credentials["qop"];
        // qop=auth only: without it there is no nc to count, so a captured answer could be replayed for the nonce's life.
        if (qop is null || !qop.Equals("auth", StringComparison.OrdinalIgnoreCase) || credentials["nc"] is not { } nc
            || credentials["cnonce"] is not { } cnonce || !TryParseNonceCount(nc, out var count))
            return new(DigestOutcome.Challenge);

        if (CheckResponse(alg, ha1, nonce, nc, cnonce, qop, request.Method, uri, response) && found is not null)
        {
            if (nonceState == NonceState.Expired) return new(DigestOutcome.Stale, user);
            // A count not above the last one accepted on this nonce is a replay (or a copy): challenge afresh, not 403,
            // so a phone that merely resent is not counted as a failed login.
            return _counts.TryAdvance(nonce, count, issued, _time.GetUtcNow()) ? new(DigestOutcome.Authenticated, user) : new(DigestOutcome.Challenge);
        }
        _limiter.RecordFailure(source, user);
        return new(DigestOutcome.Forbidden, user);
    }

    /// <summary>
    /// The client's <paramref name="response"/> against the expected one, in constant time and without heap allocation
    /// (hex compared case-insensitively: RFC 7616 asks for lower case, some UAs send upper).
    /// </summary>
    private static bool CheckResponse(DigestAlgorithm alg, string ha1, string nonce, string nc, string cnonce, string qop, string method,
        string uri, string response)
    {
        Span<byte> expected = stackalloc byte[DigestHash.MaxHexLength];
        var length = DigestHash.ResponseHex(alg, ha1, nonce, nc, cnonce, qop, method, uri, expected);
        Span<byte> given = stackalloc byte[DigestHash.MaxHexLength];
        var n = Math.Min(response.Length, given.Length);
        for (var i = 0; i < n; i++)
        {
            var c = response[i];
            given[i] = (byte)(c is >= 'A' and <= 'Z' ? c + 32 : c > 0x7F ? '?' : c);
        }
        // A length mismatch still costs the comparison, as the old whole-string compare did.
        return CryptographicOperations.FixedTimeEquals(expected[..length], given[..length]) & (response.Length == length);
    }

    /// <summary>Adds one WWW-Authenticate (or Proxy-Authenticate) per offered algorithm, all sharing one nonce.</summary>
    public void AddChallenges(SipResponse response, bool stale, string headerName = SipHeaderNames.WwwAuthenticate)
    {
        var nonce = NewNonce();
        foreach (var alg in _options.Algorithms)
        {
            var p = new List<(string, string, bool)>
            {
                ("realm", _options.Realm, true),
                ("nonce", nonce, true),
                ("algorithm", DigestHash.Name(alg), false),
                ("qop", "auth", true),
            };
            if (stale) p.Add(("stale", "true", false));
            response.Headers.Add(headerName, DigestHeader.Format("Digest", p));
        }
    }

    internal string NewNonce()
    {
        Span<byte> buf = stackalloc byte[NonceBodyLength + NonceMacLength];
        BinaryPrimitives.WriteInt64BigEndian(buf, _time.GetUtcNow().ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(buf[8..NonceBodyLength]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, buf[..NonceBodyLength], mac);
        mac[..NonceMacLength].CopyTo(buf[NonceBodyLength..]);
        return Convert.ToHexStringLower(buf);
    }

    private enum NonceState
    {
        Fresh,
        Expired,
        Forged,
    }

    /// <summary>nc is exactly 8 hex digits (RFC 7616 §3.4), counted from 1.</summary>
    private static bool TryParseNonceCount(string nc, out uint count) =>
        uint.TryParse(nc, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out count)
        && nc.Length == 8 && count > 0;

    /// <summary>
    /// The digest's <c>uri</c> names the Request-URI's resource: the same scheme and user (the number dialled, the
    /// AOR registered). The host part may differ: UAs write the address they sent to where the Request-URI has the
    /// domain (SIPp 3.6.1 signs <c>sip:127.0.0.1:5060</c> for <c>REGISTER sip:localhost</c>), and both name us.
    /// </summary>
    private static bool SameResource(SipUri digestUri, SipUri requestUri) =>
        string.Equals(digestUri.Scheme, requestUri.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(digestUri.User, requestUri.User, StringComparison.Ordinal);

    private NonceState CheckNonce(string nonce, out DateTimeOffset issued)
    {
        issued = default;
        Span<byte> buf = stackalloc byte[NonceBodyLength + NonceMacLength];
        if (nonce.Length != buf.Length * 2 || Convert.FromHexString(nonce, buf, out _, out var written) != System.Buffers.OperationStatus.Done || written != buf.Length)
            return NonceState.Forged;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, buf[..NonceBodyLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..NonceMacLength], buf[NonceBodyLength..])) return NonceState.Forged;
        issued = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(buf));
        var age = _time.GetUtcNow() - issued;
        return age < TimeSpan.Zero || age > _options.NonceLifetime ? NonceState.Expired : NonceState.Fresh;
    }

    private string DummyHa1(DigestAlgorithm alg, string user)
    {
        var seed = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("dummy-ha1:" + user));
        return DigestHash.Hex(alg, Convert.ToHexStringLower(seed));
    }
}
