using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Transport;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Testing;
using Ccgw.Voice.Edge;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Voice.Tests;

/// <summary>
/// A voice path in the test process: the SIP stack host on 127.0.0.1 (UDP, an ephemeral port) admitting the test's
/// socket as trunk "pbx", DID 100 → a flow that waits for a key (the manual clock never times it out), a gateway on a
/// one-pair RTP range (so a leaked pair turns the next call into 503), and the test's socket as the trunk's PBX.
/// </summary>
internal sealed class VoiceTestbed : IAsyncDisposable
{
    private int _sequence;

    private VoiceTestbed(ICustomerRepository customers, Func<VoiceSettings, VoiceSettings>? tune, bool queueCalls = false)
    {
        var rtp = FreePorts.UdpPair();
        // A queued call bridges two legs: the caller's and the agent's pair (a pair another process holds is skipped).
        Ports = new RtpPortAllocator(IPAddress.Loopback, rtp, queueCalls ? rtp + 7 : rtp + 1);
        Scheduler = new MediaScheduler(Time);
        Engine = new RoutingEngine(new ContactCenterDefinition(
            [new AgentDefinition("alice", "Alice", new Dictionary<string, int> { ["sales"] = 1 }, new ChannelCapacity())],
            [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 })], new RoutingOptions()), Time);
        Settings = new VoiceSettings
        {
            Domain = "localhost",
            MediaAddress = IPAddress.Loopback,
            Trunks = [new VoiceTrunk("pbx", new Dictionary<string, string> { ["100"] = "main" }, null) { AllowFrom = ["127.0.0.1"] }],
        };
        if (tune is not null) Settings = tune(Settings);
        var flow = queueCalls
            ? new FlowDefinition("main", "queue", new Dictionary<string, FlowStep> { ["queue"] = new QueueStep("queue", "sales", null, null) })
            : new FlowDefinition("main", "menu", new Dictionary<string, FlowStep>
        {
            ["menu"] = new MenuStep("menu", "welcome", null, new Dictionary<string, string> { ["1"] = "bye" }, new Dictionary<string, string>(),
                TimeSpan.FromHours(1), 1, null),
            ["bye"] = new HangupStep("bye", null),
        });
        Flows = new FlowCatalog(new Dictionary<string, FlowDefinition> { ["main"] = flow }, new Dictionary<string, PromptDefinition>());
        Host = new SipStackHost(() => new SipStackOptions
        {
            Domain = "localhost",
            Transport = new Sip.Transport.SipTransportOptions { Udp = new IPEndPoint(IPAddress.Loopback, 0), Tcp = null },
        }, Settings, new InMemoryCredentialStore([]), Registrations, Time, NullLogger.Instance, NullLogger<SipStackHost>.Instance);
        Customers = customers;
        Peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public ManualTimeProvider Time { get; } = new();

    public InMemoryRegistrationStore Registrations { get; } = new();

    public RtpPortAllocator Ports { get; }

    public MediaScheduler Scheduler { get; }

    public RoutingEngine Engine { get; }

    public VoiceSettings Settings { get; }

    public FlowCatalog Flows { get; }

    public SipStackHost Host { get; }

    public ICustomerRepository Customers { get; }

    public VoiceGateway Gateway { get; private set; } = null!;

    /// <summary>The test's socket: the trunk's PBX sending calls in.</summary>
    public UdpClient Peer { get; }

    public IPEndPoint PeerEndPoint => (IPEndPoint)Peer.Client.LocalEndPoint!;

    public IPEndPoint SipEndPoint => Host.Stack.UdpEndPoint!;

    /// <param name="tune">Changes to the testbed's voice settings (e.g. the session limits a test needs).</param>
    /// <param name="queueCalls">DID 100 queues the caller in sales straight away (agent alice), with music on hold "moh".</param>
    /// <param name="callbacks">The call-back list the gateway's call-backs write (none: any write fails the test).</param>
    public static async Task<VoiceTestbed> StartAsync(ICustomerRepository? customers = null, Func<VoiceSettings, VoiceSettings>? tune = null,
        bool queueCalls = false, ICallbackRepository? callbacks = null)
    {
        var bed = new VoiceTestbed(customers ?? new Customers(), queueCalls ? s => (tune?.Invoke(s) ?? s) with { MusicOnHoldPrompt = "moh" } : tune, queueCalls);
        await bed.Host.StartAsync(default);
        bed.Gateway = new VoiceGateway(bed.Settings, bed.Host.Stack, bed.Engine, bed.Flows,
            queueCalls ? TestPrompts.Library("moh") : PromptLibrary.From(new Dictionary<string, AudioPrompt>()),
            bed.Ports, bed.Scheduler, bed.Customers, callbacks ?? Unused<ICallbackRepository>.Instance, bed.Time, NullLoggerFactory.Instance);
        bed.Host.Attach(bed.Gateway);
        return bed;
    }

    /// <summary>Sends a new INVITE with an SDP offer for DID 100; returns its Call-ID, From tag and branch.</summary>
    /// <param name="extraHeaders">Header lines added as written, each ending in CRLF (e.g. Session-Expires).</param>
    public async Task<CallIds> SendInviteAsync(string did = "100", string extraHeaders = "")
    {
        var n = Interlocked.Increment(ref _sequence);
        var ids = new CallIds($"call{n}-{Guid.NewGuid():N}@test", $"from{n}", $"z9hG4bKinv{n}{Guid.NewGuid():N}");
        const string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\n" +
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
        await SendAsync($"INVITE sip:{did}@localhost SIP/2.0\r\n{Via(ids.InviteBranch)}Max-Forwards: 70\r\nTo: <sip:{did}@localhost>\r\n" +
            $"From: <sip:5550100@127.0.0.1>;tag={ids.FromTag}\r\nCall-ID: {ids.CallId}\r\nCSeq: 1 INVITE\r\n" +
            $"Contact: <sip:pbx@127.0.0.1:{PeerEndPoint.Port}>\r\n{extraHeaders}Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        return ids;
    }

    /// <summary>An in-dialog request of the caller's dialog (ACK, BYE, INFO, OPTIONS); CANCEL reuses the INVITE's branch.</summary>
    public Task SendInDialogAsync(string method, CallIds ids, string? toTag, int cseq, string extraHeaders = "")
    {
        var branch = method == SipMethods.Cancel ? ids.InviteBranch : $"z9hG4bK{method}{Guid.NewGuid():N}";
        var to = toTag is null ? "<sip:100@localhost>" : $"<sip:100@localhost>;tag={toTag}";
        return SendAsync($"{method} sip:100@localhost SIP/2.0\r\n{Via(branch)}Max-Forwards: 70\r\nTo: {to}\r\n" +
            $"From: <sip:5550100@127.0.0.1>;tag={ids.FromTag}\r\nCall-ID: {ids.CallId}\r\nCSeq: {cseq} {method}\r\n{extraHeaders}Content-Length: 0\r\n\r\n");
    }

    /// <summary>The next final response (provisional ones are skipped) for <paramref name="method"/> of the call.</summary>
    public async Task<SipResponse> FinalResponseAsync(CallIds ids, string method)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var datagram = await Peer.ReceiveAsync(bound.Token);
            if (SipMessageParser.ParseDatagram(datagram.Buffer) is SipResponse { StatusCode: >= 200 } response
                && response.CallId == ids.CallId && response.CSeq?.Method == method)
                return response;
        }
    }

    /// <summary>A dialler on the testbed's stack and one-pair range, as the gateway makes it.</summary>
    public LegDialler NewDialler() => new(new SipSignalling(Host.Stack, "localhost"), Host.Stack.Registrar, Ports, Scheduler,
        new Sip.Transport.SipPeerResolver(dns: null), Settings, Time, NullLogger.Instance);

    /// <summary>The parts a call or call-back gets, on the testbed's stack.</summary>
    public CallParts NewParts(CallRegistry registry, ICallbackRepository? callbacks = null) =>
        new(Engine, NewDialler(), registry, new QueueAnnouncer(Settings, PromptLibrary.From(new Dictionary<string, AudioPrompt>()), NullLogger.Instance),
            new CallbackLedger(callbacks ?? Unused<ICallbackRepository>.Instance, null, Time, NullLogger.Instance), new VoiceMetrics(registry, null), Settings, Time);

    /// <summary>Registers the test's socket as <paramref name="agent"/>'s phone.</summary>
    public async Task RegisterPhoneAsync(string agent)
    {
        var contact = $"sip:{agent}@127.0.0.1:{PeerEndPoint.Port}";
        await Registrations.ReplaceBindingsAsync($"sip:{agent}@localhost",
            [new SipBinding($"sip:{agent}@localhost", contact, "reg@test", 1, Time.GetUtcNow().AddHours(1), null, $"UDP:127.0.0.1:{PeerEndPoint.Port}")], default);
    }

    /// <summary>The next request the test's socket receives (e.g. an INVITE to the registered phone).</summary>
    public async Task<SipRequest> NextRequestAsync(string method, TimeSpan? within = null)
    {
        using var bound = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var datagram = await Peer.ReceiveAsync(bound.Token);
            if (SipMessageParser.ParseDatagram(datagram.Buffer) is SipRequest request && request.Method == method) return request;
        }
    }

    /// <summary>Answers a request the test's socket received, as a phone would.</summary>
    public async Task RespondAsync(SipRequest request, int code)
    {
        var response = SipResponseFactory.Create(request, code, toTag: "phone" + code);
        await Peer.SendAsync(SipMessageWriter.ToBytes(response), SipEndPoint);
    }

    private string Via(string branch) => $"Via: SIP/2.0/UDP 127.0.0.1:{PeerEndPoint.Port};branch={branch};rport\r\n";

    private async Task SendAsync(string text) => await Peer.SendAsync(Encoding.ASCII.GetBytes(text), SipEndPoint);

    public async ValueTask DisposeAsync()
    {
        Host.Attach(null);
        if (Gateway is not null) await Gateway.DisposeAsync();
        await Host.DisposeAsync();
        Scheduler.Dispose();
        Peer.Dispose();
    }

    /// <summary>Waits (bounded) for state another thread reaches after the test's last message was answered.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++) await Task.Yield();
        var spin = new SpinWait();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < TimeSpan.FromSeconds(20)) spin.SpinOnce();
        Assert.True(condition(), what);
    }
}

internal sealed record CallIds(string CallId, string FromTag, string InviteBranch);

/// <summary>A customer store that knows nobody, or fails every lookup (a locked or broken database).</summary>
internal sealed class Customers(bool failing = false) : ICustomerRepository
{
    public int Lookups;

    public ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Lookups);
        return failing ? throw new InvalidOperationException("customer store is down") : ValueTask.FromResult<Customer?>(null);
    }

    public ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default) => ValueTask.FromResult<Customer?>(null);

    public ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default) => ValueTask.FromResult<Customer?>(null);

    public ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>A customer store whose lookup waits until the test lets it answer (nobody found).</summary>
internal sealed class HeldCustomers : ICustomerRepository
{
    public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default)
    {
        Asked.TrySetResult();
        await Answer.Task.WaitAsync(cancellationToken);
        return null;
    }

    public ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default) => ValueTask.FromResult<Customer?>(null);

    public ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default) => ValueTask.FromResult<Customer?>(null);

    public ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>An implementation of <typeparamref name="T"/> for collaborators a test must not reach: any call fails the test.</summary>
#pragma warning disable CA1812, CA1852 // Made by DispatchProxy.Create, which needs a type it can derive from.
internal class Unused<T> : DispatchProxy where T : class
#pragma warning restore CA1812, CA1852
{
    public static T Instance { get; } = Create<T, Unused<T>>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        throw new InvalidOperationException($"{typeof(T).Name}.{targetMethod?.Name} was not expected here");
}

/// <summary>Prompts for tests: a 20 ms 16-bit PCM WAV of silence, read by the media library's own reader.</summary>
internal static class TestPrompts
{
    public static AudioPrompt Silence(string name)
    {
        const int samples = 160;
        var wav = new byte[44 + samples * 2];
        Encoding.ASCII.GetBytes("RIFF").CopyTo(wav, 0);
        BitConverter.GetBytes(36 + samples * 2).CopyTo(wav, 4);
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(wav, 8);
        BitConverter.GetBytes(16).CopyTo(wav, 16);
        BitConverter.GetBytes((short)1).CopyTo(wav, 20);
        BitConverter.GetBytes((short)1).CopyTo(wav, 22);
        BitConverter.GetBytes(8000).CopyTo(wav, 24);
        BitConverter.GetBytes(16000).CopyTo(wav, 28);
        BitConverter.GetBytes((short)2).CopyTo(wav, 32);
        BitConverter.GetBytes((short)16).CopyTo(wav, 34);
        Encoding.ASCII.GetBytes("data").CopyTo(wav, 36);
        BitConverter.GetBytes(samples * 2).CopyTo(wav, 40);
        return WavReader.Read(wav, name, G711Codec.Pcmu);
    }

    public static PromptLibrary Library(params string[] ids) =>
        PromptLibrary.From(ids.ToDictionary(id => id, Silence, StringComparer.Ordinal));
}
