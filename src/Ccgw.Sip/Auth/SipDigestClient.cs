using System.Globalization;

namespace Ccgw.Sip.Auth;

/// <summary>
/// The client side of SIP digest (RFC 3261 §22.2, RFC 7616 §3.4, RFC 8760): answers one WWW-Authenticate or
/// Proxy-Authenticate challenge for a request, e.g. when the gateway registers with a provider.
/// </summary>
public static class SipDigestClient
{
    /// <summary>
    /// The Authorization (or Proxy-Authorization) value answering <paramref name="challenge"/>; null when it is not a
    /// Digest challenge with an algorithm we can compute (MD5 or SHA-256, RFC 8760 §2.2).
    /// </summary>
    public static string? Answer(DigestHeader challenge, string method, string uri, string userName, string password, string cnonce, uint nonceCount)
    {
        if (!challenge.IsDigest || challenge["realm"] is not { } realm || challenge["nonce"] is not { } nonce) return null;
        if (DigestHash.Parse(challenge["algorithm"] ?? "MD5") is not { } algorithm) return null;
        var ha1 = DigestHash.Hex(algorithm, string.Join(':', userName, realm, password));
        var ha2 = DigestHash.Hex(algorithm, string.Concat(method, ":", uri));
        // qop=auth when offered (RFC 7616 §3.4.1); RFC 2069 style only for servers that offer no qop at all.
        var offersAuth = challenge["qop"]?.Split(',').Any(q => q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase)) == true;
        var nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        var response = offersAuth
            ? DigestHash.Hex(algorithm, string.Join(':', ha1, nonce, nc, cnonce, "auth", ha2))
            : DigestHash.Hex(algorithm, string.Join(':', ha1, nonce, ha2));
        var p = new List<(string, string, bool)>
        {
            ("username", userName, true),
            ("realm", realm, true),
            ("nonce", nonce, true),
            ("uri", uri, true),
            ("response", response, true),
            ("algorithm", DigestHash.Name(algorithm), false),
        };
        if (challenge["opaque"] is { } opaque) p.Add(("opaque", opaque, true));
        if (offersAuth)
        {
            p.Add(("qop", "auth", false));
            p.Add(("nc", nc, false));
            p.Add(("cnonce", cnonce, true));
        }
        return DigestHeader.Format("Digest", p);
    }
}
