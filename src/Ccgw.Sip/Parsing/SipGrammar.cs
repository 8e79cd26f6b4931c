namespace Ccgw.Sip.Parsing;

/// <summary>Character classes of the RFC 3261 §25.1 ABNF, as lookup functions over bytes/chars.</summary>
internal static class SipGrammar
{
    public static bool IsAlphaNum(int c) => (uint)(c - 'a') <= 'z' - 'a' || (uint)(c - 'A') <= 'Z' - 'A' || (uint)(c - '0') <= 9;

    public static bool IsDigit(int c) => (uint)(c - '0') <= 9;

    public static bool IsHex(int c) => IsDigit(c) || (uint)((c | 0x20) - 'a') <= 'f' - 'a';

    /// <summary>token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")</summary>
    public static bool IsTokenChar(int c) => IsAlphaNum(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    /// <summary>mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"</summary>
    public static bool IsUnreserved(int c) => IsAlphaNum(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')';

    public static bool IsUserChar(int c) => IsUnreserved(c) || c is '&' or '=' or '+' or '$' or ',' or ';' or '?' or '/';

    public static bool IsPasswordChar(int c) => IsUnreserved(c) || c is '&' or '=' or '+' or '$' or ',';

    public static bool IsParamChar(int c) => IsUnreserved(c) || c is '[' or ']' or '/' or ':' or '&' or '+' or '$';

    public static bool IsHeaderChar(int c) => IsUnreserved(c) || c is '[' or ']' or '/' or '?' or ':' or '+' or '$';

    public static bool IsHostChar(int c) => IsAlphaNum(c) || c is '-' or '.';

    /// <summary>word (Call-ID): token chars plus ( ) &lt; &gt; : \ " / [ ] ? { }</summary>
    public static bool IsWordChar(int c) => IsTokenChar(c) || c is '(' or ')' or '<' or '>' or ':' or '\\' or '"' or '/' or '[' or ']' or '?' or '{' or '}';

    public static bool IsWhite(int c) => c is ' ' or '\t';

    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
            if (!IsTokenChar(c)) return false;
        return true;
    }

    public static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
            if (!IsTokenChar(c)) return false;
        return true;
    }
}
