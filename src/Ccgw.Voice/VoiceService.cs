using System.Diagnostics.Metrics;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Media.Playout;
using Ccgw.Media.Transport;
using Ccgw.Sip.Transport;
using Ccgw.Voice.Edge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// Starts the voice path once the SIP stack is up: loads the prompts (a bad WAV stops start-up, exit 78, naming the
/// file), opens the RTP port range and the one pacing scheduler, and attaches the <see cref="VoiceGateway"/> to the
/// <see cref="SipStackHost"/>. On stop every call is hung up before the stack closes.
/// </summary>
public sealed partial class VoiceService(VoiceSettings settings, FlowCatalog catalog, SipStackHost sip, RoutingEngine engine,
    ICustomerRepository customers, ICallbackRepository callbacks, SipPeerResolver peers, TimeProvider time, ILoggerFactory loggers,
    IMeterFactory meters, CallbackIntake intake, Core.Callbacks.DialOut.DialOutMetrics dialOutMetrics, ILogger<VoiceService> log,
    IvrCallbacks? ivrCallbacks = null) : IHostedService, IAsyncDisposable
{
    private Task _ivrCallbacks = Task.CompletedTask;

    private readonly CancellationTokenSource _stopping = new();
    private MediaScheduler? _scheduler;
    private VoiceGateway? _gateway;
    private Task _events = Task.CompletedTask;

    public VoiceGateway? Gateway => _gateway;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        PromptLibrary prompts;
        try
        {
            prompts = await PromptLibrary.LoadAsync(catalog, settings.NumbersDirectory, cancellationToken);
        }
        catch (Ccgw.Media.Audio.WavFormatException e)
        {
            throw new InvalidOperationException($"Prompts:Items: {e.Message}; prompts must be 8 kHz mono G.711 or 16-bit PCM WAV", e);
        }
        var ports = new RtpPortAllocator(settings.MediaAddress, settings.RtpPortMin, settings.RtpPortMax);
        // The high-resolution clock (a timerfd thread) applies only to the system clock on Linux; a test's manual clock
        // keeps driving the scheduler through its own timer.
        _scheduler = new MediaScheduler(time, meters: meters, log: loggers.CreateLogger("Ccgw.Media"),
            subSlots: settings.PacingSubSlots, highResolutionClock: settings.PacingOnTimerFd, pacingNice: settings.PacingNice);
        var gateway = new VoiceGateway(settings, sip.Stack, engine, catalog, prompts, ports, _scheduler, customers, callbacks, time, loggers, meters, peers, intake, dialOutMetrics);
        _gateway = gateway;
        _events = gateway.RunAsync(_stopping.Token);
        if (ivrCallbacks is not null) _ivrCallbacks = gateway.RunIvrCallbacksAsync(ivrCallbacks, _stopping.Token);
        sip.Attach(gateway);
        LogVoiceReady(log, prompts.Count, settings.RtpPortMin, settings.RtpPortMax);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        sip.Attach(null);
        if (_gateway is { } gateway)
        {
            _gateway = null;
            await gateway.DisposeAsync();
        }
        await _events;
        await _ivrCallbacks;
        _scheduler?.Dispose();
        _scheduler = null;
    }

    [LoggerMessage(EventId = 530, Level = LogLevel.Information, Message = "Voice path ready: {Prompts} prompts, RTP ports {First}-{Last}")]
    private static partial void LogVoiceReady(ILogger logger, int prompts, int first, int last);
}
