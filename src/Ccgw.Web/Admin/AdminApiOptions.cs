namespace Ccgw.Web.Admin;

/// <summary>The admin API's bearer token, held only as its SHA-256. Null disables the API (every call gets 404).</summary>
public sealed record AdminApiOptions(byte[]? TokenSha256);
