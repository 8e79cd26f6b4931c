using Ccgw.Sip.Dns;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>Hostile-input properties: the codec returns a message or raises <see cref="DnsFormatException"/>, nothing else.</summary>
public class DnsCodecPropertyTests
{
    private static readonly byte[][] Seeds =
    [
        DnsCodecTests.Hex(DnsCodecTests.SrvPbx),
        DnsCodecTests.Hex(DnsCodecTests.APbx1),
        DnsCodecTests.Hex(DnsCodecTests.AaaaPbx1),
        DnsCodecTests.Hex(DnsCodecTests.CnameAlias),
        DnsCodecTests.Hex(DnsCodecTests.SrvNone),
        DnsCodecTests.Hex(DnsCodecTests.NxDomain),
    ];

    private static bool OnlyFormatErrorsEscape(byte[] data)
    {
        try
        {
            var m = DnsCodec.Parse(data);
            foreach (var q in m.Questions) Assert.True(q.Name.Length <= 4 * DnsCodec.MaxNameLength);
            if (m.Questions.Count > 0) _ = DnsStubClient.Interpret(m, m.Questions[0].Name, m.Questions[0].Type);
        }
        catch (DnsFormatException)
        {
        }
        return true;
    }

    [Fact]
    public void Mutated_responses_only_ever_raise_the_format_error()
    {
        // Values that matter to the decoder: pointer prefixes, label lengths at the limits, counts and the end of a name.
        var gen = ByteMutations.Of(Seeds, 400, 0, 1, 4, 12, 16, 33, 63, 64, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xFF);
        Prop.ForAll(gen.ToArbitrary(), OnlyFormatErrorsEscape)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(5000));
    }

    [Fact]
    public void Random_bytes_only_ever_raise_the_format_error()
    {
        var gen = Gen.ArrayOf(Gen.Elements<byte>(0, 1, 2, 3, 12, 63, 0x80, 0xC0, 0xFF, (byte)'a'));
        Prop.ForAll(gen.ToArbitrary(), OnlyFormatErrorsEscape)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Random_bytes_behind_a_valid_header_only_ever_raise_the_format_error()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i))
            .Select(body => (byte[])[0, 1, 0x81, 0x80, 0, 1, 0, 3, 0, 1, 0, 1, .. body]);
        Prop.ForAll(gen.ToArbitrary(), OnlyFormatErrorsEscape)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }
}
