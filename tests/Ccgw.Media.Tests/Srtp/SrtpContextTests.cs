using Ccgw.Media.Srtp;

namespace Ccgw.Media.Tests.Srtp;

/// <summary>RFC 3711 with AES_CM_128_HMAC_SHA1_80: the Appendix B vectors, then protect/unprotect behaviour and the replay window.</summary>
public sealed class SrtpContextTests
{
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Fact]
    public void B3_key_derivation_gives_the_RFCs_session_keys()
    {
        using var context = SrtpContext.FromMaster(MasterKey, MasterSalt);
        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(context.SessionKey));
        Assert.Equal("30CBBC08863D8C85D49DB34A9AE1", Convert.ToHexString(context.SessionSalt));
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", Convert.ToHexString(context.AuthKey));
    }

    [Fact]
    public void B2_AES_CM_keystream_matches_at_the_start_and_across_the_16_bit_counter()
    {
        using var context = B2Context();
        var start = new byte[48];
        context.ApplyKeystream(Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), start);
        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4" + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0", Convert.ToHexString(start));
        var end = new byte[48];
        context.ApplyKeystream(Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"), end);
        Assert.Equal("EC8CDF7398607CB0F2D21675EA9EA1E4" + "362B7C3C6773516318A077D7FC5073AE" + "6A2CC3787889374FBEB4C81B17BA6C44", Convert.ToHexString(end));
    }

    [Fact]
    public void B2_through_protect_the_IV_of_SSRC_0_index_0_is_the_shifted_salt()
    {
        using var context = B2Context();
        var packet = Rtp(seq: 0, ssrc: 0, payload: new byte[48]);
        Assert.True(context.TryProtect(packet, packet.Length - SrtpContext.TagLength, out var length));
        Assert.Equal(12 + 48 + 10, length);
        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4" + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0",
            Convert.ToHexString(packet.AsSpan(12, 48)));
    }

    [Fact]
    public void A_protected_packet_unprotects_to_the_original_and_a_changed_byte_fails_authentication()
    {
        using var sender = SrtpContext.FromMaster(MasterKey, MasterSalt);
        using var receiver = SrtpContext.FromMaster(MasterKey, MasterSalt);
        var payload = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        var packet = Rtp(seq: 1234, ssrc: 0x11223344, payload);
        var original = packet[..^SrtpContext.TagLength];
        Assert.True(sender.TryProtect(packet, original.Length, out var length));
        Assert.NotEqual(payload, packet.AsSpan(12, 160).ToArray());

        var tampered = (byte[])packet.Clone();
        tampered[40] ^= 1;
        Assert.Equal(SrtpVerdict.AuthenticationFailed, receiver.Unprotect(tampered, length, out _));
        Assert.Equal(SrtpVerdict.Ok, receiver.Unprotect(packet, length, out var plain));
        Assert.Equal(original, packet[..plain]);
    }

    [Fact]
    public void The_replay_window_refuses_repeats_and_packets_older_than_64_and_takes_late_ones_within_it()
    {
        using var sender = SrtpContext.FromMaster(MasterKey, MasterSalt);
        using var receiver = SrtpContext.FromMaster(MasterKey, MasterSalt);
        var sent = new Dictionary<int, byte[]>();
        for (var seq = 100; seq <= 200; seq++)
        {
            var p = Rtp((ushort)seq, 7, new byte[20]);
            Assert.True(sender.TryProtect(p, p.Length - SrtpContext.TagLength, out _));
            sent[seq] = p;
        }
        Verdict(receiver, sent[100], SrtpVerdict.Ok);
        Verdict(receiver, sent[200], SrtpVerdict.Ok);
        Verdict(receiver, sent[150], SrtpVerdict.Ok);         // late, within the window
        Verdict(receiver, sent[150], SrtpVerdict.Replayed);   // again
        Verdict(receiver, sent[200], SrtpVerdict.Replayed);
        Verdict(receiver, sent[136], SrtpVerdict.Replayed);   // 64 behind the highest: outside the window
        Verdict(receiver, sent[137], SrtpVerdict.Ok);         // 63 behind: inside
    }

    [Fact]
    public void The_rollover_counter_follows_a_sequence_number_wrap_on_both_sides()
    {
        using var sender = SrtpContext.FromMaster(MasterKey, MasterSalt);
        using var receiver = SrtpContext.FromMaster(MasterKey, MasterSalt);
        foreach (var seq in new ushort[] { 65534, 65535, 0, 1, 2 })
        {
            var payload = new byte[] { (byte)seq, 1, 2, 3 };
            var p = Rtp(seq, 9, payload);
            Assert.True(sender.TryProtect(p, p.Length - SrtpContext.TagLength, out var length));
            Assert.Equal(SrtpVerdict.Ok, receiver.Unprotect(p, length, out var plain));
            Assert.Equal(payload, p.AsSpan(12, plain - 12).ToArray());
        }
    }

    [Fact]
    public void Protect_and_unprotect_allocate_nothing_per_packet()
    {
        using var sender = SrtpContext.FromMaster(MasterKey, MasterSalt);
        using var receiver = SrtpContext.FromMaster(MasterKey, MasterSalt);
        var packet = new byte[12 + 160 + SrtpContext.TagLength];
        ushort seq = 0;
        void RoundTrip()
        {
            packet[0] = 0x80;
            packet[2] = (byte)(seq >> 8);
            packet[3] = (byte)seq;
            packet[11] = 5;
            seq++;
            sender.TryProtect(packet, 172, out var length);
            receiver.Unprotect(packet, length, out _);
        }
        for (var i = 0; i < 100; i++) RoundTrip();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) RoundTrip();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Verdict(SrtpContext receiver, byte[] protectedPacket, SrtpVerdict expected)
    {
        var copy = (byte[])protectedPacket.Clone();
        Assert.Equal(expected, receiver.Unprotect(copy, copy.Length, out _));
    }

    private static SrtpContext B2Context() => SrtpContext.FromSessionKeys(
        Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C"), Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), new byte[20]);

    /// <summary>An RTP packet (V=2, PT 0) with room for the tag at the end.</summary>
    private static byte[] Rtp(ushort seq, uint ssrc, byte[] payload)
    {
        var p = new byte[12 + payload.Length + SrtpContext.TagLength];
        p[0] = 0x80;
        p[2] = (byte)(seq >> 8);
        p[3] = (byte)seq;
        p[8] = (byte)(ssrc >> 24);
        p[9] = (byte)(ssrc >> 16);
        p[10] = (byte)(ssrc >> 8);
        p[11] = (byte)ssrc;
        payload.CopyTo(p, 12);
        return p;
    }
}
