using System.Text;
using System.Text.RegularExpressions;
using Ccgw.Testing;
using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.Tests.Xml;

/// <summary>
/// Real client and server traffic through the parser: every stanza block of Prosody's scansion scripts
/// (../shared/corpus/xmpp-scansion, what clients send and what Prosody answers), and client streams recorded from
/// slixmpp and Prosody (Xml/Recorded/*.xml beside this file).
/// </summary>
public sealed partial class XmlStreamCorpusTests
{
    [GeneratedRegex(@"\$\{[^}]*\}")]
    private static partial Regex Placeholder();

    /// <summary>The tab-indented stanza blocks following "X sends:" and "X receives:" lines of a scansion script.</summary>
    private static IEnumerable<string> Blocks(string script)
    {
        var lines = script.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimEnd().EndsWith("sends:", StringComparison.Ordinal) && !lines[i].TrimEnd().EndsWith("receives:", StringComparison.Ordinal)) continue;
            var block = new StringBuilder();
            while (i + 1 < lines.Length && lines[i + 1].StartsWith('\t')) block.Append(lines[++i].Trim()).Append('\n');
            var text = block.ToString();
            if (text.Contains("{scansion:", StringComparison.Ordinal)) continue; // wildcards are not XML
            yield return Placeholder().Replace(text, "someone@localhost/res");
        }
    }

    [SkippableFact]
    public void Every_stanza_of_prosodys_scansion_scripts_parses_in_any_chunking()
    {
        var folder = Corpus.Require("xmpp-scansion");
        var blocks = Directory.GetFiles(folder, "*.scs").Order(StringComparer.Ordinal).SelectMany(f => Blocks(File.ReadAllText(f))).ToList();
        Assert.True(blocks.Count > 50, $"only {blocks.Count} stanza blocks found");
        // Scansion's own attributes (scansion:strict) use a prefix the tool binds; the stream declares it here.
        var header = XmlStreamParserTests.Header[..^1] + " xmlns:scansion='https://matthewwild.co.uk/projects/scansion'>";
        var stream = Encoding.UTF8.GetBytes(header + string.Concat(blocks) + "</stream:stream>");
        var whole = XmlStreamParserTests.Feed([stream]);
        Assert.Equal(XmlStreamEventKind.StreamClose, whole[^1].Kind);
        Assert.True(whole.Count >= blocks.Count + 2);
        foreach (var size in new[] { 1, 3, 64, 4096 })
            Assert.Equal(whole.Count, XmlStreamParserTests.Feed(stream.Chunk(size)).Count);
    }

    public static TheoryData<string> Recorded() => new(Directory.GetFiles(RecordedFolder, "*.xml").Select(Path.GetFileName)!);

    private static string RecordedFolder => Path.Combine(RepoPaths.Root, "tests", "Ccgw.Xmpp.Tests", "Xml", "Recorded");

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Recorded_client_streams_parse_in_any_chunking(string file)
    {
        // Each file is the plaintext part of a stream as a client sent it, up to and including the element after
        // which the stream restarts (STARTTLS) or the whole stream when the server allowed plaintext.
        var bytes = File.ReadAllBytes(Path.Combine(RecordedFolder, file));
        var whole = XmlStreamParserTests.Feed([bytes]);
        Assert.Equal(XmlStreamEventKind.StreamOpen, whole[0].Kind);
        Assert.True(whole.Count >= 2);
        foreach (var size in new[] { 1, 2, 5, 100 })
            Assert.Equal(whole.Count, XmlStreamParserTests.Feed(bytes.Chunk(size)).Count);
    }
}
