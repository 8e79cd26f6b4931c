using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Tests.Corpus;

/// <summary>
/// PROTOS c07-sip sent over real UDP to a running stack, as its README prescribes: every case, then the
/// valid case #0 must still be answered (liveness), here checked after every 25th case and at the end.
/// </summary>
public class ProtosLiveUdpTests
{
    [SkippableFact]
    public async Task The_stack_stays_alive_and_answers_after_every_protos_case()
    {
        var folder = Ccgw.Testing.Corpus.Require("sip-protos");
        var log = new ErrorLog();
        using var corpus = await ProtosCorpus.ExtractAsync(folder);
        await using var stack = new SipStack(new SipStackOptions
        {
            Transport = new SipTransportOptions { Udp = new IPEndPoint(IPAddress.Loopback, 0), Tcp = null },
        }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), TimeProvider.System, log);
        stack.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var localPort = ((IPEndPoint)client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] Localize(byte[] d) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(d).Replace(":5099;", ":" + localPort + ";", StringComparison.Ordinal));

        using var stop = new CancellationTokenSource();
        var finals = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var receiver = Task.Run(() => ReceiveAndAckAsync(client, stack.UdpEndPoint!, finals, stop.Token));

        var cases = corpus.Cases().ToList();
        var valid = cases.Single(c => c.Number == 0).Invite;
        var sent = 0;
        var liveness = 0;
        foreach (var (number, invite, teardown) in cases)
        {
            foreach (var d in new[] { invite, teardown })
            {
                var bytes = Localize(d);
                if (bytes.Length > 65507) bytes = bytes[..65507];
                await client.SendToAsync(bytes, stack.UdpEndPoint!);
                sent++;
            }
            if (number % 25 == 0 || number == cases.Count - 1)
            {
                var callId = "protos-live-" + number;
                var code = await ProbeAsync(client, stack.UdpEndPoint!, Localize(valid), callId, finals);
                Assert.True(code == 480, $"after case {number}: {code}\n{string.Join("\n", log.Errors)}");
                liveness++;
            }
        }
        await stop.CancelAsync();
        await receiver;
        Assert.Equal(4527 * 2, sent);
        Assert.True(liveness > 180);
        Assert.Empty(log.Errors);
    }

    /// <summary>Sends case #0 with a fresh Call-ID, retransmitting like a UAC (UDP may drop), until its final arrives.</summary>
    private static async Task<int> ProbeAsync(Socket client, IPEndPoint server, byte[] valid, string callId, ConcurrentDictionary<string, int> finals)
    {
        var text = Encoding.Latin1.GetString(valid)
            .Replace("Call-ID: protos-0@", "Call-ID: " + callId + "@", StringComparison.Ordinal)
            .Replace("branch=z9hG4bK000000", "branch=z9hG4bK" + callId, StringComparison.Ordinal);
        var request = Encoding.Latin1.GetBytes(text);
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await client.SendToAsync(request, server);
            for (var i = 0; i < 4; i++)
            {
                if (finals.TryGetValue(callId, out var code)) return code;
                await Task.Yield();
                await Task.WhenAny(done.Task, Task.Delay(25));
            }
        }
        return 0;
    }

    /// <summary>Drains every reply and ACKs non-2xx finals so the stack's Timer G retransmissions stop (§17.2.1).</summary>
    private static async Task ReceiveAndAckAsync(Socket client, IPEndPoint server, ConcurrentDictionary<string, int> finals, CancellationToken ct)
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var r = await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), ct);
                if (!SipMessageParser.TryParseDatagram(buffer.AsSpan(0, r.ReceivedBytes), out var m, out _)) continue;
                if (m is not SipResponse { StatusCode: >= 200 } resp || resp.CallId is null) continue;
                finals[resp.CallId[..Math.Max(0, resp.CallId.IndexOf('@', StringComparison.Ordinal))]] = resp.StatusCode;
                if (resp.StatusCode >= 300 && resp.CSeq?.Method == SipMethods.Invite && resp.Via.Count > 0)
                {
                    var ack = new SipRequest(SipMethods.Ack, SipUri.Parse("sip:alice@127.0.0.1"));
                    ack.Via.Add(resp.Via[0]);
                    ack.From = resp.From;
                    ack.To = resp.To;
                    ack.CallId = resp.CallId;
                    ack.CSeq = new SipCSeq(resp.CSeq.Number, SipMethods.Ack);
                    ack.MaxForwards = 70;
                    await client.SendToAsync(SipMessageWriter.ToBytes(ack), server, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class ErrorLog : ILogger
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Errors.Enqueue(formatter(state, exception) + " " + exception);
        }
    }
}
