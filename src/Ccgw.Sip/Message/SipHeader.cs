namespace Ccgw.Sip.Message;

/// <summary>
/// A header line the model does not type. <see cref="RawValue"/> keeps the original value bytes (folding
/// included) of headers received from the wire, so a forwarder can emit unknown headers unchanged
/// (RFC 4475 §3.1.1.1); when it is empty the serializer writes <see cref="Value"/>.
/// </summary>
public sealed class SipHeader(string name, string value)
{
    public string Name { get; } = name;

    /// <summary>The value with folding replaced by SP and surrounding LWS trimmed (RFC 3261 §7.3.1).</summary>
    public string Value { get; } = value;

    public ReadOnlyMemory<byte> RawValue { get; init; }

    public override string ToString() => string.Concat(Name, ": ", Value);
}

/// <summary>Ordered list of untyped headers with case-insensitive, compact-form-aware lookup.</summary>
public sealed class SipHeaderCollection : List<SipHeader>
{
    public string? Get(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        foreach (var h in this)
            if (string.Equals(h.Name, canonical, StringComparison.OrdinalIgnoreCase)) return h.Value;
        return null;
    }

    public IEnumerable<string> GetAll(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        foreach (var h in this)
            if (string.Equals(h.Name, canonical, StringComparison.OrdinalIgnoreCase)) yield return h.Value;
    }

    /// <summary>Comma-separated values of every header called <paramref name="name"/> (tokens such as Allow, Require).</summary>
    public List<string> GetTokens(string name)
    {
        var result = new List<string>();
        foreach (var v in GetAll(name))
        {
            foreach (var part in v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                result.Add(part);
        }
        return result;
    }

    public void Add(string name, string value) => Add(new SipHeader(SipHeaderNames.Canonicalize(name), value));

    public int RemoveAll(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        return RemoveAll(h => string.Equals(h.Name, canonical, StringComparison.OrdinalIgnoreCase));
    }
}
