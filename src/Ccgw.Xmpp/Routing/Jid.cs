using System.Diagnostics.CodeAnalysis;

namespace Ccgw.Xmpp.Routing;

/// <summary>
/// An XMPP address (RFC 7622): <c>local@domain/resource</c>. Local part and domain are compared case-insensitively
/// (a simplification of the PRECIS profiles that is exact for the ASCII addresses ccgw issues and accepts).
/// </summary>
public readonly record struct Jid
{
    public const int MaxPartLength = 1023;

    private static readonly System.Buffers.SearchValues<char> DomainForbidden = System.Buffers.SearchValues.Create("@/ \t\r\n");
    private static readonly System.Buffers.SearchValues<char> LocalForbidden = System.Buffers.SearchValues.Create("@/\"&':<> \t\r\n");
    private static readonly System.Buffers.SearchValues<char> ResourceForbidden = System.Buffers.SearchValues.Create("\r\n\0");

    private Jid(string? local, string domain, string? resource)
    {
        Local = local;
        Domain = domain;
        Resource = resource;
    }

    public string? Local { get; }

    public string Domain { get; }

    public string? Resource { get; }

    public bool IsBare => Resource is null;

    public Jid Bare => new(Local, Domain, null);

    public static Jid Create(string? local, string domain, string? resource = null) =>
        TryCreate(local, domain, resource, out var jid) ? jid : throw new ArgumentException($"not a valid JID: {local}@{domain}/{resource}");

    public Jid WithResource(string? resource) => Create(Local, Domain, resource);

    public static bool TryParse(string? text, [NotNullWhen(true)] out Jid jid)
    {
        jid = default;
        if (string.IsNullOrEmpty(text)) return false;
        var span = text.AsSpan();
        string? resource = null;
        var slash = span.IndexOf('/');
        if (slash >= 0)
        {
            resource = span[(slash + 1)..].ToString();
            span = span[..slash];
        }

        string? local = null;
        var at = span.IndexOf('@');
        if (at >= 0)
        {
            local = span[..at].ToString();
            span = span[(at + 1)..];
        }

        return TryCreate(local, span.ToString(), resource, out jid);
    }

    public static Jid Parse(string text) => TryParse(text, out var jid) ? jid : throw new FormatException($"not a valid JID: {text}");

    private static bool TryCreate(string? local, string domain, string? resource, out Jid jid)
    {
        jid = default;
        if (domain.Length is 0 or > MaxPartLength || domain.AsSpan().IndexOfAny(DomainForbidden) >= 0) return false;
        if (local is not null && (local.Length is 0 or > MaxPartLength || local.AsSpan().IndexOfAny(LocalForbidden) >= 0)) return false;
        if (resource is not null && (resource.Length is 0 or > MaxPartLength || resource.AsSpan().IndexOfAny(ResourceForbidden) >= 0)) return false;
        jid = new Jid(local?.ToLowerInvariant(), domain.ToLowerInvariant(), resource);
        return true;
    }

    public override string ToString() =>
        (Local, Resource) switch
        {
            (null, null) => Domain,
            (null, _) => $"{Domain}/{Resource}",
            (_, null) => $"{Local}@{Domain}",
            _ => $"{Local}@{Domain}/{Resource}",
        };
}
