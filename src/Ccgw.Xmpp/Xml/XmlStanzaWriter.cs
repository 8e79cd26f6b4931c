using System.Buffers;
using System.Text;
using System.Xml.Linq;

namespace Ccgw.Xmpp.Xml;

/// <summary>
/// Serialises a stanza as UTF-8 for a stream whose default namespace is <c>streamNamespace</c> (<c>jabber:client</c>
/// or <c>jabber:component:accept</c>): elements in that namespace are written without a declaration, so a stanza built
/// in <c>jabber:client</c> can be sent on either stream when <c>contentNamespace</c> says so. Other namespaces are
/// declared where they start; attribute namespaces get generated prefixes, <c>xml:</c> is used as is. Comments and
/// processing instructions in the tree are dropped (RFC 6120 §11.1).
/// </summary>
internal static class XmlStanzaWriter
{
    public static void Write(IBufferWriter<byte> output, XElement element, XNamespace streamNamespace, XNamespace? contentNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(element);
        var sb = new StringBuilder(256);
        Append(sb, element, streamNamespace.NamespaceName, contentNamespace?.NamespaceName ?? streamNamespace.NamespaceName,
            streamNamespace.NamespaceName);
        var chars = sb.ToString();
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        var written = Encoding.UTF8.GetBytes(chars, span);
        output.Advance(written);
    }

    public static string ToText(XElement element, XNamespace streamNamespace)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, element, streamNamespace);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Append(StringBuilder sb, XElement e, string inheritedDefault, string contentNamespace, string streamNamespace)
    {
        var ns = e.Name.NamespaceName;
        if (ns == contentNamespace) ns = streamNamespace;
        sb.Append('<').Append(e.Name.LocalName);
        if (ns != inheritedDefault)
        {
            sb.Append(" xmlns=\"");
            Escape(sb, ns, attribute: true);
            sb.Append('"');
        }
        var generated = 0;
        foreach (var a in e.Attributes())
        {
            if (a.IsNamespaceDeclaration) continue;
            var ans = a.Name.Namespace;
            sb.Append(' ');
            if (ans == XNamespace.None)
            {
                sb.Append(a.Name.LocalName);
            }
            else if (ans == XNamespace.Xml)
            {
                sb.Append("xml:").Append(a.Name.LocalName);
            }
            else
            {
                var prefix = "ns" + generated++.ToString(System.Globalization.CultureInfo.InvariantCulture);
                sb.Append("xmlns:").Append(prefix).Append("=\"");
                Escape(sb, ans.NamespaceName, attribute: true);
                sb.Append("\" ").Append(prefix).Append(':').Append(a.Name.LocalName);
            }
            sb.Append("=\"");
            Escape(sb, a.Value, attribute: true);
            sb.Append('"');
        }
        if (e.IsEmpty)
        {
            sb.Append("/>");
            return;
        }
        sb.Append('>');
        foreach (var node in e.Nodes())
        {
            switch (node)
            {
                case XElement child:
                    Append(sb, child, ns, contentNamespace, streamNamespace);
                    break;
                case XText text:
                    Escape(sb, text.Value, attribute: false);
                    break;
            }
        }
        sb.Append("</").Append(e.Name.LocalName).Append('>');
    }

    private static void Escape(StringBuilder sb, string text, bool attribute)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"' when attribute: sb.Append("&quot;"); break;
                case '\'' when attribute: sb.Append("&apos;"); break;
                case '\r': sb.Append("&#13;"); break;
                case '\n' when attribute: sb.Append("&#10;"); break;
                case '\t' when attribute: sb.Append("&#9;"); break;
                case < ' ' and not ('\t' or '\n'):
                case '\uFFFE' or '\uFFFF':
                    break; // not an XML Char: dropped rather than sent
                default: sb.Append(c); break;
            }
        }
    }
}
