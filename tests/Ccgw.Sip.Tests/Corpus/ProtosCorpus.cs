using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ccgw.Sip.Tests.Corpus;

/// <summary>Unpacks PROTOS c07-sip into a temp dir and turns each case file into ready-to-send datagrams.</summary>
internal sealed class ProtosCorpus : IDisposable
{
    private readonly string _dir;

    private ProtosCorpus(string dir) => _dir = dir;

    public static async Task<ProtosCorpus> ExtractAsync(string corpusFolder)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ccgw-protos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        using var tar = Process.Start(new ProcessStartInfo("tar", ["-xJf", Path.Combine(corpusFolder, "protos-c07-sip-cases.tar.xz"), "-C", dir])
        {
            RedirectStandardError = true,
        })!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await tar.WaitForExitAsync(cts.Token);
        Assert.Equal(0, tar.ExitCode);
        return new ProtosCorpus(dir);
    }

    public IEnumerable<(int Number, byte[] Invite, byte[] Teardown)> Cases()
    {
        var files = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).All(char.IsAsciiDigit))
            .Order(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var n = int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture);
            var raw = File.ReadAllBytes(f);
            var pos = 0;
            var invite = Substitute(ReadTemplate(raw, ref pos), n);
            var teardown = Substitute(ReadTemplate(raw, ref pos), n);
            yield return (n, invite, teardown);
        }
    }

    private static byte[] ReadTemplate(byte[] raw, ref int pos)
    {
        var sp = Array.IndexOf(raw, (byte)' ', pos);
        var len = int.Parse(Encoding.ASCII.GetString(raw, pos, sp - pos), CultureInfo.InvariantCulture);
        var t = raw.AsSpan(sp + 1, len).ToArray();
        pos = sp + 1 + len;
        return t;
    }

    /// <summary>Fills the README's placeholders; Content-Length becomes the real body length.</summary>
    private static byte[] Substitute(byte[] template, int n)
    {
        var s = Encoding.Latin1.GetString(template)
            .Replace("<To>", "alice@127.0.0.1", StringComparison.Ordinal)
            .Replace("<From>", "protos@127.0.0.1", StringComparison.Ordinal)
            .Replace("<From-Address>", "127.0.0.1", StringComparison.Ordinal)
            .Replace("<From-IP>", "127.0.0.1", StringComparison.Ordinal)
            .Replace("<Local-Port>", "5099", StringComparison.Ordinal)
            .Replace("<Branch-ID>", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("<Call-ID>", "protos-" + n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("<CSeq>", "1", StringComparison.Ordinal)
            .Replace("<Teardown-Method>", "CANCEL", StringComparison.Ordinal);
        var headerEnd = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var bodyLength = headerEnd < 0 ? 0 : s.Length - headerEnd - 4;
        s = s.Replace("<Content-Length>", bodyLength.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(s);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
