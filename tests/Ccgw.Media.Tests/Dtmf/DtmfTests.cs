using Ccgw.Media.Dtmf;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Dtmf;

public sealed class DtmfTests
{
    private static byte[] Event(byte code, bool end, ushort duration)
    {
        var payload = new byte[4];
        new TelephoneEvent(code, end, 10, duration).Write(payload);
        return payload;
    }

    private static string Feed(DtmfReceiver receiver, params (uint Ts, byte Code, bool End, ushort Duration)[] packets)
    {
        var digits = "";
        foreach (var p in packets)
        {
            if (receiver.TryAccept(0xAAAA, p.Ts, Event(p.Code, p.End, p.Duration), out var d)) digits += d;
        }
        return digits;
    }

    [Fact]
    public void Standard_sequence_with_three_end_packets_is_one_digit()
    {
        Assert.Equal("2", Feed(new DtmfReceiver(), (800, 2, false, 160), (800, 2, false, 320), (800, 2, true, 480), (800, 2, true, 480), (800, 2, true, 480)));
    }

    [Fact]
    public void Same_digit_twice_with_new_timestamps_is_two_digits()
    {
        Assert.Equal("55", Feed(new DtmfReceiver(), (800, 5, false, 160), (800, 5, true, 320), (800, 5, true, 320), (2400, 5, false, 160), (2400, 5, true, 320)));
    }

    [Fact]
    public void Only_end_packets_still_yield_the_digit_once()
    {
        Assert.Equal("#", Feed(new DtmfReceiver(), (160, 11, true, 800), (160, 11, true, 800), (160, 11, true, 800)));
    }

    [Fact]
    public void Reordered_packet_of_an_earlier_event_is_not_a_new_digit()
    {
        Assert.Equal("12", Feed(new DtmfReceiver(), (800, 1, false, 160), (1600, 2, false, 160), (800, 1, true, 480)));
    }

    [Fact]
    public void Long_event_split_into_segments_counts_once()
    {
        Assert.Equal("0", Feed(new DtmfReceiver(), (1000, 0, false, 65535), (1000 + 65535, 0, false, 160), (1000 + 65535, 0, true, 320)));
    }

    [Fact]
    public void Events_beyond_dtmf_and_short_payloads_are_ignored()
    {
        var receiver = new DtmfReceiver();
        Assert.Equal("", Feed(receiver, (100, 32, false, 160)));
        Assert.False(receiver.TryAccept(1, 5000, new byte[] { 1, 2 }, out _));
    }

    [Fact]
    public void New_ssrc_starts_afresh()
    {
        var receiver = new DtmfReceiver();
        Assert.True(receiver.TryAccept(1, 800, Event(7, false, 160), out _));
        Assert.True(receiver.TryAccept(2, 800, Event(7, false, 160), out var d));
        Assert.Equal('7', d);
    }

    [Fact]
    public void Property_each_distinct_increasing_timestamp_is_one_digit_whatever_the_redundancy()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<(byte, byte)[]>(), presses =>
        {
            var receiver = new DtmfReceiver();
            var expected = "";
            var actual = "";
            uint ts = 0;
            foreach (var (code, repeats) in presses)
            {
                var digitCode = (byte)(code % 16);
                ts += 1600;
                TelephoneEvent.TryGetDigit(digitCode, out var c);
                expected += c;
                var packets = (repeats % 6) + 1;
                for (var i = 0; i < packets; i++)
                {
                    if (receiver.TryAccept(9, ts, Event(digitCode, i >= packets - 3, (ushort)(160 * (i + 1))), out var d)) actual += d;
                }
            }
            return expected == actual;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5')]
    [InlineData("Application/DTMF-Relay; charset=x", "signal = *\nDuration=100", '*')]
    [InlineData("application/dtmf-relay", "Signal=11\r\nDuration=160", '#')]
    [InlineData("application/dtmf", "9", '9')]
    [InlineData("application/dtmf", " # \r\n", '#')]
    [InlineData("application/dtmf", "10", '*')]
    [InlineData("application/dtmf", "d", 'D')]
    public void Sip_info_bodies_yield_the_digit(string contentType, string body, char expected)
    {
        Assert.True(SipInfoDtmf.IsDtmfContentType(contentType));
        Assert.True(SipInfoDtmf.TryParse(contentType, body, out var digit));
        Assert.Equal(expected, digit);
    }

    [Theory]
    [InlineData("application/dtmf-relay", "Duration=160")]
    [InlineData("application/dtmf-relay", "Signal=E")]
    [InlineData("application/dtmf", "99")]
    [InlineData("application/sdp", "5")]
    [InlineData(null, "5")]
    public void Other_sip_info_bodies_are_not_digits(string? contentType, string body) =>
        Assert.False(SipInfoDtmf.TryParse(contentType, body, out _));

    [Fact]
    public void Fuzz_sip_info_and_event_parsers_never_throw()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<(string, bool, byte[])>(), t =>
        {
            var (body, relay, bytes) = t;
            SipInfoDtmf.TryParse(relay ? "application/dtmf-relay" : "application/dtmf", body ?? "", out _);
            new DtmfReceiver().TryAccept(1, 2, bytes, out _);
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
