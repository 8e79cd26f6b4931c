namespace Ccgw.Web.Admin;

/// <summary>The admin API's bearer token, held only as its SHA-256. Null disables the API (every call gets 404).</summary>
public sealed record AdminApiOptions(byte[]? TokenSha256)
{
    /// <summary>
    /// Who made a change, as the audit records it: the token's identity, i.e. the first 8 hex digits of its SHA-256
    /// (there is one admin token; a fingerprint tells a rotated token's changes apart without revealing it).
    /// </summary>
    public string Actor => TokenSha256 is { } t ? "admin-token:" + Convert.ToHexStringLower(t)[..8] : "admin";
}
