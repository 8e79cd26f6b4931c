using System.Net;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Media.Playout;
using Ccgw.Media.Transport;
using Ccgw.Sip.Transport;
using Ccgw.Voice;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// Starts the voice path once the SIP stack is up: loads the prompts (a bad WAV stops start-up, exit 78, naming the
/// file), opens the RTP port range and the one pacing scheduler, and hands admitted trunk calls to the
/// <see cref="VoiceGateway"/>. On stop every call is hung up before the stack closes.
/// </summary>
internal sealed partial class VoiceService(GatewayOptions options, LoadedConfiguration config, SipService sip, RoutingEngine engine,
    ICustomerRepository customers, ICallbackRepository callbacks, Core.Callbacks.CallbackPolicies callbackPolicies, SipPeerResolver peers, TimeProvider time, ILoggerFactory loggers,
    System.Diagnostics.Metrics.IMeterFactory meters, ILogger<VoiceService> log) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private MediaScheduler? _scheduler;
    private VoiceGateway? _gateway;
    private Task _events = Task.CompletedTask;

    public VoiceGateway? Gateway => _gateway;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = FlowDefinitions.From(options, config.Context);
        var v = options.Voice;
        var numbers = config.Context.Resolve(options.Prompts.Directory, v.NumbersDirectory);
        PromptLibrary prompts;
        try
        {
            prompts = await PromptLibrary.LoadAsync(catalog, numbers, cancellationToken);
        }
        catch (Ccgw.Media.Audio.WavFormatException e)
        {
            throw new InvalidOperationException($"Prompts:Items: {e.Message}; prompts must be 8 kHz mono G.711 or 16-bit PCM WAV", e);
        }
        var rtp = options.Listeners.Rtp;
        var address = IPAddress.Parse(rtp.Address);
        var ports = new RtpPortAllocator(address, rtp.PortMin, rtp.PortMax);
        _scheduler = new MediaScheduler(time, meters: meters, log: loggers.CreateLogger("Ccgw.Media"));
        var settings = new VoiceSettings
        {
            Domain = options.Site.SipDomain,
            MediaAddress = address,
            Trunks = [.. options.Trunks.Select(Trunk)],
            AnnounceEvery = TimeSpan.FromSeconds(v.AnnounceEverySeconds),
            MusicOnHoldPrompt = string.IsNullOrEmpty(v.MusicOnHold) ? null : v.MusicOnHold,
            PositionPrompt = v.PositionPrompt,
            WaitPrompt = v.WaitPrompt,
            MinutesPrompt = v.MinutesPrompt,
            UnderAMinutePrompt = v.UnderAMinutePrompt,
            NumbersDirectory = numbers,
            AgentRingTimeout = TimeSpan.FromSeconds(v.AgentRingSeconds),
            CustomerRingTimeout = TimeSpan.FromSeconds(v.CustomerRingSeconds),
            CallbackPolicies = callbackPolicies,
            CallbackTrunks = options.Queues.Where(q => !string.IsNullOrEmpty(q.Callbacks.Trunk))
                .ToDictionary(q => q.Id, q => q.Callbacks.Trunk!, StringComparer.Ordinal),
            CallbackGreetingPrompt = string.IsNullOrEmpty(v.CallbackGreetingPrompt) ? null : v.CallbackGreetingPrompt,
            CallbackAgentPrompt = string.IsNullOrEmpty(v.CallbackAgentPrompt) ? null : v.CallbackAgentPrompt,
        };
        var gateway = new VoiceGateway(settings, sip.Stack, engine, catalog, prompts, ports, _scheduler, customers, callbacks, time, loggers, meters, peers);
        gateway.AttachTo(sip.Stack);
        _gateway = gateway;
        _events = gateway.RunAsync(_stopping.Token);
        sip.Voice = gateway;
        LogVoiceReady(log, prompts.Count, rtp.PortMin, rtp.PortMax);
    }

    private static VoiceTrunk Trunk(TrunkOptions t) =>
        new(t.Id, new Dictionary<string, string>(t.Dids, StringComparer.Ordinal),
            t.Outbound is { } peer ? new SipPeer(peer.Host, peer.Port, SipPeerResolver.TransportNamed(peer.Transport)) : null,
            string.IsNullOrEmpty(t.CallerId) ? null : t.CallerId);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        sip.Voice = null;
        if (_gateway is { } gateway)
        {
            _gateway = null;
            await gateway.DisposeAsync();
        }
        await _events;
        _scheduler?.Dispose();
        _scheduler = null;
    }

    [LoggerMessage(EventId = 530, Level = LogLevel.Information, Message = "Voice path ready: {Prompts} prompts, RTP ports {First}-{Last}")]
    private static partial void LogVoiceReady(ILogger logger, int prompts, int first, int last);
}
