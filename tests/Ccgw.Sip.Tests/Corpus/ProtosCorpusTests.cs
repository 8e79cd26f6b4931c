using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Tests.Corpus;

/// <summary>PROTOS c07-sip: 4,527 INVITEs (one valid, the rest malformed) through the parser and the 400 responder.</summary>
public class ProtosCorpusTests
{
    [SkippableFact]
    public async Task Every_protos_case_is_parsed_answered_or_dropped_without_any_other_exception()
    {
        var folder = Ccgw.Testing.Corpus.Require("sip-protos");
        using var corpus = await ProtosCorpus.ExtractAsync(folder);
        var total = 0;
        var accepted = 0;
        var answered = 0;
        var dropped = 0;
        foreach (var (number, invite, teardown) in corpus.Cases())
        {
            total++;
            foreach (var datagram in new[] { invite, teardown })
            {
                try
                {
                    var m = SipMessageParser.ParseDatagram(datagram);
                    if (m is SipRequest r && SipRequestValidator.Validate(r) is { } failure)
                    {
                        answered++;
                        Assert.InRange(failure.StatusCode, 400, 599);
                    }
                    else accepted++;
                }
                catch (SipParseException e)
                {
                    var answer = SipMalformedRequestResponder.BuildResponse(datagram, e);
                    if (answer is null) dropped++;
                    else
                    {
                        answered++;
                        Assert.IsType<SipResponse>(SipMessageParser.ParseDatagram(answer));
                    }
                }
            }
            if (number == 0)
            {
                var valid = Assert.IsType<SipRequest>(SipMessageParser.ParseDatagram(invite));
                Assert.Null(SipRequestValidator.Validate(valid));
                Assert.Equal("INVITE", valid.Method);
            }
        }
        Assert.Equal(4527, total);
        Assert.Equal(total * 2, accepted + answered + dropped);
        // The ~1,900 SDP-group cases and many "overflow"-style values (long tags, %s in Call-ID) are well-formed
        // SIP and rightly parse; the grammar-breaking SIP groups must be refused.
        Assert.True(answered > 2500, $"expected the grammar-breaking cases to be refused, refused {answered}");
    }
}
