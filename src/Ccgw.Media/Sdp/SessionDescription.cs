namespace Ccgw.Media.Sdp;

/// <summary>RFC 4566 §5.2 origin line.</summary>
public sealed record SdpOrigin(string UserName, ulong SessionId, ulong SessionVersion, string AddressType, string Address);

/// <summary>RFC 4566 §5.7 connection line (IN only); a multicast TTL/count suffix is kept verbatim in <see cref="Address"/>.</summary>
public sealed record SdpConnection(string AddressType, string Address);

/// <summary>A property (<c>a=name</c>) or value (<c>a=name:value</c>) attribute, RFC 4566 §5.13.</summary>
public sealed record SdpAttribute(string Name, string? Value);

/// <summary>RFC 3264 §5.1 media direction.</summary>
public enum MediaDirection
{
    SendReceive,
    SendOnly,
    ReceiveOnly,
    Inactive,
}

/// <summary>One m= section (RFC 4566 §5.14) with its own c= and a= lines.</summary>
public sealed class MediaDescription
{
    public required string Media { get; init; }
    public required int Port { get; init; }
    public int? PortCount { get; init; }
    public required string Protocol { get; init; }
    public required IReadOnlyList<string> Formats { get; init; }
    public SdpConnection? Connection { get; init; }
    public IReadOnlyList<string> Bandwidths { get; init; } = [];
    public IReadOnlyList<SdpAttribute> Attributes { get; init; } = [];

    public string? GetAttribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    public bool HasAttribute(string name) =>
        Attributes.Any(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The direction attribute of this section, falling back to the session-level one, then sendrecv (RFC 3264 §5.1).</summary>
    public MediaDirection GetDirection(SessionDescription session) =>
        DirectionOf(Attributes) ?? DirectionOf(session.Attributes) ?? MediaDirection.SendReceive;

    internal static MediaDirection? DirectionOf(IEnumerable<SdpAttribute> attributes)
    {
        foreach (var a in attributes)
        {
            switch (a.Name)
            {
                case "sendrecv": return MediaDirection.SendReceive;
                case "sendonly": return MediaDirection.SendOnly;
                case "recvonly": return MediaDirection.ReceiveOnly;
                case "inactive": return MediaDirection.Inactive;
            }
        }
        return null;
    }
}

/// <summary>
/// A session description restricted to what a voice gateway needs: the mandatory session lines and
/// media sections. Unknown lines (i=, u=, e=, p=, z=, k=, r=) are accepted on parse and not reproduced.
/// </summary>
public sealed class SessionDescription
{
    public required SdpOrigin Origin { get; init; }
    public string SessionName { get; init; } = "-";
    public SdpConnection? Connection { get; init; }
    public string Timing { get; init; } = "0 0";
    public IReadOnlyList<SdpAttribute> Attributes { get; init; } = [];
    public required IReadOnlyList<MediaDescription> Media { get; init; }

    /// <summary>The connection that applies to <paramref name="media"/> (its own, else the session's).</summary>
    public SdpConnection? ConnectionFor(MediaDescription media) => media.Connection ?? Connection;

    public static SessionDescription Parse(string text) => SdpParser.Parse(text);

    public override string ToString() => SdpSerializer.Serialize(this);
}
