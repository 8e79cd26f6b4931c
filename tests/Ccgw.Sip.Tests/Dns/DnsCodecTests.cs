using System.Net;
using Ccgw.Sip.Dns;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>
/// The DNS message codec against real responses captured from dnsmasq 2.90 (<c>--local=/test/ --local-ttl=60
/// --srv-host=_sip._udp.pbx.test,pbx1.test,5070,10,60 --srv-host=_sip._udp.pbx.test,pbx2.test,5072,20,0
/// --host-record=pbx1.test,127.0.0.1,::1 --cname=alias.test,pbx1.test --srv-host=_sip._udp.none.test</c>), and
/// hand-built hostile ones.
/// </summary>
public sealed class DnsCodecTests
{
    internal const string SrvPbx = "123485800001000200000002045f736970045f7564700370627804746573740000210001c00c002100010000003c00110014000013d00470627832047465737400c00c002100010000003c0011000a003c13ce0470627831047465737400c053000100010000003c00047f000001c053001c00010000003c001000000000000000000000000000000001";
    internal const string APbx1 = "234585800001000100000000047062783104746573740000010001c00c000100010000003c00047f000001";
    internal const string AaaaPbx1 = "3456858000010001000000000470627831047465737400001c0001c00c001c00010000003c001000000000000000000000000000000001";
    internal const string CnameAlias = "45678580000100020000000005616c69617304746573740000010001c00c000500010000003c000b0470627831047465737400c028000100010000003c00047f000001";
    internal const string SrvNone = "567885800001000100000000045f736970045f756470046e6f6e6504746573740000210001c00c002100010000003c000700000000000100";
    internal const string NxDomain = "678981830001000000000000045f736970045f7463700370627804746573740000210001";

    internal static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void A_real_SRV_response_decodes_with_compressed_targets_and_glue()
    {
        var m = DnsCodec.Parse(Hex(SrvPbx));
        Assert.Equal(0x1234, m.Id);
        Assert.True(m.IsResponse);
        Assert.False(m.Truncated);
        Assert.Equal(DnsResponseCode.NoError, m.ResponseCode);
        var q = Assert.Single(m.Questions);
        Assert.Equal(new DnsQuestion("_sip._udp.pbx.test", DnsRecordType.Srv, 1), q);
        Assert.Equal(2, m.Answers.Count);
        Assert.All(m.Answers, r => Assert.Equal("_sip._udp.pbx.test", r.Name));
        Assert.All(m.Answers, r => Assert.Equal(60u, r.Ttl));
        Assert.Contains(new DnsSrv(10, 60, 5070, "pbx1.test"), m.Answers.Select(r => r.Srv));
        Assert.Contains(new DnsSrv(20, 0, 5072, "pbx2.test"), m.Answers.Select(r => r.Srv));
        Assert.Empty(m.Authorities);
        Assert.Equal(2, m.Additionals.Count);
        Assert.Equal(IPAddress.Loopback, m.Additionals.Single(r => r.Type == DnsRecordType.A).Address);
        Assert.Equal(IPAddress.IPv6Loopback, m.Additionals.Single(r => r.Type == DnsRecordType.Aaaa).Address);
    }

    [Fact]
    public void Real_A_and_AAAA_responses_decode()
    {
        var a = DnsCodec.Parse(Hex(APbx1));
        Assert.Equal(IPAddress.Loopback, Assert.Single(a.Answers).Address);
        var aaaa = DnsCodec.Parse(Hex(AaaaPbx1));
        Assert.Equal(IPAddress.IPv6Loopback, Assert.Single(aaaa.Answers).Address);
        Assert.Equal(DnsRecordType.Aaaa, aaaa.Questions[0].Type);
    }

    [Fact]
    public void A_CNAME_chain_in_the_answer_is_followed_to_the_address()
    {
        var m = DnsCodec.Parse(Hex(CnameAlias));
        Assert.Equal("pbx1.test", m.Answers[0].Target);
        var answer = DnsStubClient.Interpret(m, "alias.test", DnsRecordType.A);
        Assert.Equal(DnsOutcome.Answered, answer.Outcome);
        Assert.Equal(IPAddress.Loopback, Assert.Single(answer.Records).Address);
        Assert.Equal(TimeSpan.FromSeconds(60), answer.TimeToLive);
    }

    [Fact]
    public void A_CNAME_loop_inside_the_answer_ends_as_no_data()
    {
        var m = new DnsMessage(1, true, 0, false, DnsResponseCode.NoError, [new DnsQuestion("a.test", DnsRecordType.A, 1)],
            [new DnsRecord("a.test", DnsRecordType.Cname, 1, 60) { Target = "b.test" }, new DnsRecord("b.test", DnsRecordType.Cname, 1, 60) { Target = "a.test" }],
            [], []);
        Assert.Equal(DnsOutcome.NoData, DnsStubClient.Interpret(m, "a.test", DnsRecordType.A).Outcome);
    }

    [Fact]
    public void The_root_target_of_a_service_that_is_not_offered_reads_as_a_dot()
    {
        var m = DnsCodec.Parse(Hex(SrvNone));
        // dnsmasq writes port 1 there; only the "." target matters (RFC 2782).
        Assert.Equal(new DnsSrv(0, 0, 1, "."), Assert.Single(m.Answers).Srv);
    }

    [Fact]
    public void NXDOMAIN_is_told_apart_from_a_server_failure()
    {
        Assert.Equal(DnsResponseCode.NameError, DnsCodec.Parse(Hex(NxDomain)).ResponseCode);
        var servfail = Hex(NxDomain);
        servfail[3] = 0x82;
        Assert.Equal(DnsResponseCode.ServerFailure, DnsCodec.Parse(servfail).ResponseCode);
    }

    [Fact]
    public void A_query_we_encode_reads_back_as_the_question_we_meant()
    {
        var query = DnsCodec.EncodeQuery(0xBEEF, "_sips._tcp.Example.COM.", DnsRecordType.Srv);
        var m = DnsCodec.Parse(query);
        Assert.Equal(0xBEEF, m.Id);
        Assert.False(m.IsResponse);
        Assert.Equal(new DnsQuestion("_sips._tcp.Example.COM", DnsRecordType.Srv, 1), Assert.Single(m.Questions));
        Assert.Equal(0x01, query[2]); // RD
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData("h\u00e9.test")]
    public void A_name_DNS_cannot_carry_is_refused_when_encoding(string name) =>
        Assert.Throws<ArgumentException>(() => DnsCodec.EncodeQuery(1, name, DnsRecordType.A));

    [Fact]
    public void An_over_long_label_is_refused_when_encoding() =>
        Assert.Throws<ArgumentException>(() => DnsCodec.EncodeQuery(1, new string('a', 64) + ".test", DnsRecordType.A));

    private static byte[] Header(int questions = 1, int answers = 0) =>
        [0, 1, 0x81, 0x80, 0, (byte)questions, 0, (byte)answers, 0, 0, 0, 0];

    private static void AssertFormatError(byte[] data, string fragment)
    {
        var e = Assert.Throws<DnsFormatException>(() => DnsCodec.Parse(data));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compression_pointer_to_itself_is_a_loop_not_a_hang() =>
        AssertFormatError([.. Header(), 0xC0, 12, 0, 1, 0, 1], "compression pointers");

    [Fact]
    public void Two_pointers_pointing_at_each_other_are_a_loop() =>
        AssertFormatError([.. Header(), 0xC0, 14, 0xC0, 12, 0, 1, 0, 1], "compression pointers");

    [Fact]
    public void A_pointer_past_the_end_is_refused() =>
        AssertFormatError([.. Header(), 0xC0, 0xFF, 0, 1, 0, 1], "points past the end");

    [Fact]
    public void A_pointer_cut_in_half_is_refused() =>
        AssertFormatError([.. Header(), 0xC0], "cut off");

    [Fact]
    public void A_label_longer_than_63_octets_is_refused() =>
        AssertFormatError([.. Header(), 64, .. new byte[64], 0, 0, 1, 0, 1], "at most 63");

    [Fact]
    public void A_name_longer_than_255_octets_is_refused()
    {
        var name = new List<byte>();
        for (var i = 0; i < 5; i++) name.AddRange([63, .. Enumerable.Repeat((byte)'a', 63)]);
        AssertFormatError([.. Header(), .. name, 0, 0, 1, 0, 1], "longer than 255");
    }

    [Fact]
    public void A_name_of_exactly_255_octets_is_accepted()
    {
        // 3 × (1 + 63) + (1 + 61) + the root octet = 255.
        var name = new List<byte>();
        for (var i = 0; i < 3; i++) name.AddRange([63, .. Enumerable.Repeat((byte)'a', 63)]);
        name.AddRange([61, .. Enumerable.Repeat((byte)'b', 61)]);
        var m = DnsCodec.Parse([.. Header(), .. name, 0, 0, 1, 0, 1]);
        Assert.Equal(253, m.Questions[0].Name.Length);
    }

    [Fact]
    public void A_name_made_long_by_pointers_is_refused()
    {
        // Each label points back at the previous name, so the name grows by 64 octets per hop within the hop limit.
        var data = new List<byte>(Header(questions: 5));
        var previous = -1;
        for (var i = 0; i < 5; i++)
        {
            var at = data.Count;
            data.AddRange([63, .. Enumerable.Repeat((byte)'a', 63)]);
            if (previous < 0) data.Add(0);
            else data.AddRange([(byte)(0xC0 | (previous >> 8)), (byte)previous]);
            data.AddRange([0, 1, 0, 1]);
            previous = at;
        }
        AssertFormatError([.. data], "longer than 255");
    }

    [Fact]
    public void RDATA_longer_than_what_is_left_is_refused()
    {
        var data = Hex(APbx1);
        AssertFormatError(data[..^2], "runs past the end");
    }

    [Fact]
    public void An_A_record_of_the_wrong_length_is_refused()
    {
        var data = Hex(APbx1);
        data[^5] = 3; // RDLENGTH 4 → 3
        AssertFormatError(data[..^1], "expected 4");
    }

    [Fact]
    public void An_SRV_record_whose_target_overruns_its_RDATA_is_refused()
    {
        var data = Hex(SrvNone);
        data[^8] = 8; // RDLENGTH 7 → 8, one octet more than the record holds
        AssertFormatError([.. data, 0], "disagrees");
    }

    [Fact]
    public void A_truncated_SRV_record_is_refused()
    {
        var data = Hex(SrvPbx);
        AssertFormatError(data[..60], "past the end");
    }

    [Fact]
    public void A_message_shorter_than_the_header_is_refused() =>
        AssertFormatError([0, 1, 2], "header");

    [Fact]
    public void Counts_larger_than_the_message_end_in_a_format_error_not_a_huge_allocation() =>
        AssertFormatError([0, 1, 0x81, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "past the end");

    [Fact]
    public void Odd_octets_in_a_label_are_escaped_so_names_stay_distinct()
    {
        var m = DnsCodec.Parse([.. Header(), 3, (byte)'a', (byte)'.', 0x07, 0, 0, 1, 0, 1]);
        Assert.Equal("a\\.\\007", m.Questions[0].Name);
    }
}
