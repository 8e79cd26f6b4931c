using System.Buffers;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>
/// Ordered ";name[=value]" list. Names compare case-insensitively (RFC 3261 §7.3.1); values are kept
/// exactly as received (quoted strings keep their quotes) so serialization reproduces them.
/// </summary>
public sealed class SipParameters
{
    private readonly List<KeyValuePair<string, string?>> _items = [];

    public int Count => _items.Count;

    public IReadOnlyList<KeyValuePair<string, string?>> Items => _items;

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value, or null when absent or present without a value (use <see cref="Contains"/>).</summary>
    public string? Get(string name)
    {
        var i = IndexOf(name);
        return i < 0 ? null : _items[i].Value;
    }

    /// <summary>The value with surrounding quotes and quoted-pairs removed.</summary>
    public string? GetUnquoted(string name) => Unquote(Get(name));

    public void Set(string name, string? value)
    {
        var i = IndexOf(name);
        if (i >= 0) _items[i] = new(_items[i].Key, value);
        else _items.Add(new(name, value));
    }

    public bool Remove(string name)
    {
        var i = IndexOf(name);
        if (i < 0) return false;
        _items.RemoveAt(i);
        return true;
    }

    public SipParameters Clone()
    {
        var copy = new SipParameters();
        copy._items.AddRange(_items);
        return copy;
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        foreach (var (k, v) in _items)
        {
            SipWire.Put(output, ';');
            SipWire.Put(output, k);
            if (v is not null)
            {
                SipWire.Put(output, '=');
                SipWire.Put(output, v);
            }
        }
    }

    public override string ToString() => SipWire.Render(this, static (p, o) => p.WriteTo(o));

    private int IndexOf(string name)
    {
        for (var i = 0; i < _items.Count; i++)
            if (string.Equals(_items[i].Key, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    internal static string? Unquote(string? value)
    {
        if (value is null || value.Length < 2 || value[0] != '"' || value[^1] != '"') return value;
        var cursor = new SipTextCursor(value);
        return cursor.ReadQuotedString("Bad quoted parameter");
    }

    /// <summary>Header parameters: *( SEMI generic-param ), LWS allowed around ";" and "=".</summary>
    internal static void ParseHeaderParams(ref SipTextCursor c, SipParameters into)
    {
        while (c.TryConsume(';'))
        {
            var name = c.ReadToken("Empty or malformed parameter name");
            string? value = null;
            if (c.TryConsume('=')) value = new string(c.ReadGenValue("Malformed parameter value"));
            into._items.Add(new(new string(name), value));
        }
    }
}
