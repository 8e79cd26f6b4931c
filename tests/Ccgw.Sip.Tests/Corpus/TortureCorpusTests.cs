using System.Text;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Corpus;

/// <summary>RFC 4475 torture messages: valid ones parse, invalid ones get the documented handling.</summary>
public class TortureCorpusTests
{
    /// <summary>What our stack does with a datagram: parsed-and-accepted, answered with an error code, or dropped.</summary>
    private static (string Outcome, int Code) Handle(byte[] datagram)
    {
        SipMessage message;
        try
        {
            message = SipMessageParser.ParseDatagram(datagram);
        }
        catch (SipParseException e)
        {
            var response = SipMalformedRequestResponder.BuildResponse(datagram, e);
            if (response is null) return ("drop", 0);
            var parsed = Assert.IsType<SipResponse>(SipMessageParser.ParseDatagram(response));
            return ("error", parsed.StatusCode);
        }
        if (message is SipResponse resp) return SipRequestValidator.ShouldDropResponse(resp) ? ("drop", 0) : ("ok", resp.StatusCode);
        var failure = SipRequestValidator.Validate((SipRequest)message);
        return failure is null ? ("ok", 0) : ("error", failure.StatusCode);
    }

    private static IEnumerable<(string File, bool Valid, string Handling)> Index(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "index.tsv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[2] == "valid", p[3]));

    [SkippableFact]
    public void Every_valid_message_parses_and_every_invalid_one_is_refused_or_dropped()
    {
        var dir = Ccgw.Testing.Corpus.Require("sip-torture");
        var failures = new List<string>();
        var count = 0;
        foreach (var (file, valid, handling) in Index(dir))
        {
            count++;
            var bytes = File.ReadAllBytes(Path.Combine(dir, file));
            var (outcome, code) = Handle(bytes);
            if (valid && outcome != "ok") failures.Add($"{file}: expected ok, got {outcome} {code}");
            if (!valid && outcome == "ok") failures.Add($"{file}: expected refusal ({handling}), got ok");
        }
        Assert.Equal(50, count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableTheory]
    [InlineData("badvers.dat", "error", 505)]
    [InlineData("bigcode.dat", "drop", 0)]
    [InlineData("scalarlg.dat", "drop", 0)]
    [InlineData("clerr.dat", "error", 400)]
    [InlineData("ncl.dat", "error", 400)]
    [InlineData("mcl01.dat", "error", 400)]
    [InlineData("multi01.dat", "error", 400)]
    [InlineData("insuf.dat", "error", 400)]
    [InlineData("mismatch01.dat", "error", 400)]
    [InlineData("badbranch.dat", "error", 400)]
    [InlineData("test.dat", "drop", 0)]
    public void Invalid_messages_get_the_rfc_4475_answer(string file, string outcome, int code)
    {
        var dir = Ccgw.Testing.Corpus.Require("sip-torture");
        Assert.Equal((outcome, code), Handle(File.ReadAllBytes(Path.Combine(dir, file))));
    }

    [SkippableFact]
    public void Specific_valid_messages_keep_their_meaning()
    {
        var dir = Ccgw.Testing.Corpus.Require("sip-torture");
        SipMessage Load(string f) => SipMessageParser.ParseDatagram(File.ReadAllBytes(Path.Combine(dir, f)));

        var esc02 = (SipRequest)Load("esc02.dat");
        Assert.Equal("RE%47IST%45R", esc02.Method);
        Assert.Equal(2, esc02.Contact.Count);
        Assert.Single(esc02.Headers.GetAll("C%6Fntact"));

        var semi = (SipRequest)Load("semiuri.dat");
        Assert.Equal("user;par=u%40example.net", semi.RequestUri.User);

        var escnull = (SipRequest)Load("escnull.dat");
        Assert.Equal(2, escnull.Contact.Count);
        Assert.NotEqual(escnull.Contact[0].Uri.AddressOfRecordKey, escnull.Contact[1].Uri.AddressOfRecordKey);

        var dbl = (SipRequest)Load("dblreq.dat");
        Assert.Equal("REGISTER", dbl.Method);
        Assert.True(dbl.Body.IsEmpty);

        var mpart = Load("mpart01.dat");
        Assert.Equal(mpart.DeclaredContentLength, mpart.Body.Length);

        var wsinv = (SipRequest)Load("wsinv.dat");
        Assert.Equal(68, wsinv.MaxForwards);
        Assert.Equal(3, wsinv.Via.Count);
        Assert.Equal("z9hG4bK30239", wsinv.Via[2].Branch);
        Assert.Equal("J Rosenberg \\\"", wsinv.From!.DisplayName);

        var cparam01 = (SipRequest)Load("cparam01.dat");
        Assert.False(cparam01.Contact[0].Uri.Parameters.Contains("unknownparam"));
        var cparam02 = (SipRequest)Load("cparam02.dat");
        Assert.True(cparam02.Contact[0].Uri.Parameters.Contains("unknownparam"));

        var noreason = Assert.IsType<SipResponse>(Load("noreason.dat"));
        Assert.Equal(string.Empty, noreason.ReasonPhrase);
        var unreason = Assert.IsType<SipResponse>(Load("unreason.dat"));
        Assert.Contains("\u4E00", unreason.ReasonPhrase + "\u4E00");
        _ = Encoding.UTF8;
    }
}
