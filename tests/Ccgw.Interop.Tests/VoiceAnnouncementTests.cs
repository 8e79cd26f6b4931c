using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 15, acceptance 2, against the running daemon: a queued sipp caller hears "You are caller number 2" and an
/// estimated wait, then "number 1" once the caller ahead is served, and the queue's own hold prompt in between
/// (<c>Queues[].HoldPrompt</c>). Judged from the RTP payload: the demo prompts are 8 kHz mu-law WAV files, which the
/// gateway streams as PCMU without transcoding, so each prompt's audio bytes appear verbatim in what the caller gets.
/// </summary>
public sealed class VoiceAnnouncementTests
{
    private const int Audible = 45_000; // long enough for every step below; each caller hangs up after it

    [SkippableFact]
    public async Task A_queued_caller_hears_position_two_and_a_wait_then_position_one_as_the_queue_moves()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        // Announcements every 3 s instead of 30; billing's hold prompt is one that is not the site's music on hold, so
        // hearing it proves the queue's own prompt is played; the menu's billing step names a product.
        await using var call = await VoiceRig.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Voice__AnnounceEverySeconds"] = "3",
            ["CCGW__Queues__1__HoldPrompt"] = "callback-agent",
            ["CCGW__Flows__main__Steps__to-billing__Product"] = "invoices",
        });
        var prompts = Path.Combine(call.Daemon.Root, "config", "prompts");
        var position = WavData(Path.Combine(prompts, "position.wav"));
        var wait = WavData(Path.Combine(prompts, "wait.wav"));
        var one = WavData(Path.Combine(prompts, "numbers", "1.wav"));
        var two = WavData(Path.Combine(prompts, "numbers", "2.wav"));
        var billingHold = WavData(Path.Combine(prompts, "callback-agent.wav"));

        // Bob (billing) takes the first caller and stays busy; alice (billing too) is registered but not ready yet.
        await call.SetReadyAsync("bob");
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var alice = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers.xml");

        await using var rtpA = new VoiceRtpEndpoint();
        await using var callerA = call.StartCaller(rtpA.Port, "voice_caller.xml", Audible, FreePorts.TcpAndUdp(), "+15550100", "caller-a");
        var gatewayA = await ChooseBillingAsync(rtpA);
        Assert.True(await EchoedAsync(rtpA, gatewayA, TimeSpan.FromSeconds(60)), $"the first caller never reached bob\n{call.DaemonLog}");

        // The second caller waits first in line; the third is behind them.
        await using var rtpB = new VoiceRtpEndpoint();
        await using var callerB = call.StartCaller(rtpB.Port, "voice_caller.xml", Audible, FreePorts.TcpAndUdp(), "+15550101", "caller-b");
        await ChooseBillingAsync(rtpB);
        Assert.True(await HeardAsync(rtpB, heard => Announcement(heard, 0, position, one, wait) >= 0, TimeSpan.FromSeconds(40)),
            $"the second caller never heard 'caller number 1'\n{call.DaemonLog}");

        await using var rtpC = new VoiceRtpEndpoint();
        await using var callerC = call.StartCaller(rtpC.Port, "voice_caller.xml", Audible, FreePorts.TcpAndUdp(), "+15550102", "caller-c");
        await ChooseBillingAsync(rtpC);
        Assert.True(await HeardAsync(rtpC, heard => Announcement(heard, 0, position, two, wait) >= 0, TimeSpan.FromSeconds(40)),
            $"the third caller never heard 'caller number 2' and a wait\n{call.DaemonLog}");
        Assert.True(await HeardAsync(rtpC, heard => Find(heard, billingHold.AsSpan(0, Math.Min(4000, billingHold.Length)), 0) >= 0, TimeSpan.FromSeconds(20)),
            "the third caller never heard billing's own hold prompt");
        // Nothing said "number 1" to the third caller while they were second.
        var secondPlace = Heard(rtpC);
        Assert.True(Announcement(secondPlace, 0, position, one, wait) < 0, "the third caller heard 'caller number 1' while second in line");

        // The queue moves: alice becomes ready and takes the caller ahead; the third caller is now first.
        await call.SetReadyAsync("alice");
        var from = secondPlace.Length;
        Assert.True(await HeardAsync(rtpC, heard => Announcement(heard, from, position, one, wait) >= 0, TimeSpan.FromSeconds(40)),
            $"the third caller never heard 'caller number 1' after the queue moved\n{call.DaemonLog}");
        Assert.True(await EchoedAsync(rtpB, await rtpB.GatewayAsync(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(30)),
            $"the second caller never reached alice\n{call.DaemonLog}");

        // Product attribution from the flow: all three calls chose billing, whose step names "invoices"; history by
        // product (the admin API over the real store) lists them.
        var byProduct = await InvoicesInHistoryAsync(call.Daemon.Http, atLeast: 3);
        Assert.Equal(3, byProduct.Count);
        Assert.All(byProduct, row => Assert.Equal("invoices", row.GetProperty("product").GetString()));
    }

    /// <summary>History rows of product "invoices", polled (bounded) because the recorder writes behind the core.</summary>
    private static async Task<IReadOnlyList<JsonElement>> InvoicesInHistoryAsync(HttpClient http, int atLeast)
    {
        IReadOnlyList<JsonElement> rows = [];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!deadline.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/admin/interactions?product=invoices", UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-admin-token-change-me");
            using var response = await http.SendAsync(request, CancellationToken.None);
            response.EnsureSuccessStatusCode();
            rows = [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
            if (rows.Count >= atLeast) break;
            await Task.Delay(250, CancellationToken.None);
        }
        return rows;
    }

    /// <summary>Waits for the gateway's first packet, then presses 2 (billing) with sipp's RFC 4733 pcap.</summary>
    private static async Task<IPEndPoint> ChooseBillingAsync(VoiceRtpEndpoint rtp)
    {
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(20));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        return gateway;
    }

    /// <summary>Talks (a constant-byte tone) until it comes back through the agent's echoing phone: the call is bridged.</summary>
    private static async Task<bool> EchoedAsync(VoiceRtpEndpoint rtp, IPEndPoint gateway, TimeSpan within)
    {
        const byte marker = 0x55;
        using var deadline = new CancellationTokenSource(within);
        while (!deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            if (rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker))) return true;
        }
        return false;
    }

    private static async Task<bool> HeardAsync(VoiceRtpEndpoint rtp, Func<byte[], bool> test, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        while (!deadline.IsCancellationRequested)
        {
            if (test(Heard(rtp))) return true;
            await Task.Delay(250, CancellationToken.None);
        }
        return test(Heard(rtp));
    }

    /// <summary>The PCMU audio the caller received, in arrival order (loopback keeps it in sequence).</summary>
    private static byte[] Heard(VoiceRtpEndpoint rtp) => [.. rtp.Packets.Where(p => p.PayloadType == 0).SelectMany(p => p.Payload)];

    /// <summary>
    /// Where "position, number, wait" starts at or after <paramref name="from"/>, or -1. Each prompt is played on its
    /// own, so the last frame of one may be padded before the next begins: a short gap between the parts is allowed.
    /// </summary>
    private static int Announcement(byte[] heard, int from, byte[] position, byte[] number, byte[] wait)
    {
        for (var at = Find(heard, position, from); at >= 0; at = Find(heard, position, at + 1))
        {
            var afterNumber = Follows(heard, at + position.Length, number);
            if (afterNumber >= 0 && Follows(heard, afterNumber, wait) >= 0) return at;
        }
        return -1;
    }

    private const int Gap = 1600; // 200 ms: a padded last frame and a scheduling tick or two

    private static int Follows(byte[] heard, int from, byte[] part)
    {
        var at = Find(heard, part, from);
        return at >= 0 && at - from <= Gap ? at + part.Length : -1;
    }

    private static int Find(byte[] heard, ReadOnlySpan<byte> part, int from)
    {
        if (from >= heard.Length) return -1;
        var at = heard.AsSpan(from).IndexOf(part);
        return at < 0 ? -1 : from + at;
    }

    /// <summary>The audio bytes of a RIFF/WAVE file (its <c>data</c> chunk).</summary>
    private static byte[] WavData(string path)
    {
        var file = File.ReadAllBytes(path);
        for (var at = 12; at + 8 <= file.Length;)
        {
            var id = Encoding.ASCII.GetString(file, at, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
            if (id == "data") return file[(at + 8)..Math.Min(file.Length, at + 8 + size)];
            at += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path} has no data chunk");
    }
}
