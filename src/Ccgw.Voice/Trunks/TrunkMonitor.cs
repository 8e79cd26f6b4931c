using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Ccgw.Sip;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Ccgw.Voice.Edge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice.Trunks;

/// <summary>
/// OPTIONS keep-alive toward each trunk's outbound peer (RFC 3261 §11). Any final response marks the trunk up (the
/// peer is alive and answering SIP, even if it dislikes OPTIONS); a transaction timeout marks it down. The state is
/// exported as <c>ccgw_sip_trunk_up{trunk}</c> and every change is logged.
/// </summary>
public sealed partial class TrunkMonitor : BackgroundService
{
    private readonly VoiceSettings _settings;
    private readonly SipStackHost _sip;
    private readonly TimeProvider _time;
    private readonly SipPeerResolver _resolver;
    private readonly ILogger<TrunkMonitor> _log;
    private readonly ConcurrentDictionary<string, bool> _up = new(StringComparer.Ordinal);
    private readonly Counter<long> _probes;
    private long _sequence;

    public TrunkMonitor(VoiceSettings settings, SipStackHost sip, SipPeerResolver resolver, TimeProvider time, IMeterFactory meters, ILogger<TrunkMonitor> log)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _settings = settings;
        _sip = sip;
        _resolver = resolver;
        _time = time;
        _log = log;
        var meter = meters.Create("Ccgw.Sip.Trunks");
        meter.CreateObservableGauge("ccgw.sip.trunk.up", Observe,
            description: "1 while the trunk's peer answers OPTIONS keep-alives, 0 after one timed out; absent before the first answer.");
        _probes = meter.CreateCounter<long>("ccgw.sip.trunk.keepalives", description: "OPTIONS keep-alives sent to trunk peers, by outcome.");
    }

    private IEnumerable<Measurement<int>> Observe() =>
        _up.Select(kv => new Measurement<int>(kv.Value ? 1 : 0, new KeyValuePair<string, object?>("trunk", kv.Key)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Trunks provisioned or reloaded at run time (issue 20): each change restarts the keep-alives over the new list
        // (a trunk's up/down state is kept; a removed trunk's series goes).
        var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        if (_settings.TrunkDirectory is { } directory) directory.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var trunks = _settings.CurrentTrunks;
                foreach (var gone in _up.Keys.Where(k => trunks.All(t => t.Id != k))) _up.TryRemove(gone, out _);
                var monitored = trunks.Where(t => t.Outbound is not null && t.KeepaliveSeconds > 0).ToList();
                using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var probes = Task.WhenAll(monitored.Select(t => MonitorAsync(t, round.Token)));
                try
                {
                    await changed.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                }
                await round.CancelAsync();
                await probes;
            }
        }
        finally
        {
            if (_settings.TrunkDirectory is { } d) d.Changed -= OnChanged;
            changed.Dispose();
        }
    }

    private async Task MonitorAsync(VoiceTrunk trunk, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(trunk.KeepaliveSeconds), _time);
        try
        {
            do
            {
                await ProbeAsync(trunk, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeAsync(VoiceTrunk trunk, CancellationToken cancellationToken)
    {
        var peer = trunk.Outbound!;
        var kind = peer.Transport;
        var stack = _sip.Stack;
        var local = (kind == SipTransportKind.Udp ? stack.UdpEndPoint : stack.TcpEndPoint) ?? stack.UdpEndPoint ?? stack.TcpEndPoint;
        if (local is null) return;
        if (await _resolver.ResolveAsync(peer, local.AddressFamily, cancellationToken) is not { } destination)
        {
            // A peer without an address is as good as down; logged on the change like a timeout.
            LogUnresolvable(_log, trunk.Id, peer.Host);
            Record(trunk.Id, "unresolved");
            return;
        }
        var n = Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);
        var domain = _settings.Domain;
        var target = new SipUri("sip", null, peer.Host, peer.Port);
        var request = new SipRequest(SipMethods.Options, target);
        request.Via.Add(new SipVia(destination.ViaTransport, local.Address.ToString(), local.Port, SipTransactionLayer.NewBranch()));
        request.From = SipNameAddress.Parse($"<sip:ccgw@{domain}>;tag=ka{n}");
        request.To = new SipNameAddress(target);
        request.CallId = $"keepalive-{trunk.Id}-{n}-{Guid.NewGuid():N}@{domain}";
        request.CSeq = new SipCSeq(1, SipMethods.Options);
        request.MaxForwards = 70;
        stack.Transactions.SendRequest(request, destination, new SipClientCallbacks(
            response => { if (response.StatusCode >= 200) Record(trunk.Id, "answered"); },
            () => Record(trunk.Id, "timeout")));
    }

    /// <summary>One keep-alive's outcome: <c>answered</c> (up), <c>timeout</c> or <c>unresolved</c> (no address; down).</summary>
    private void Record(string trunk, string outcome)
    {
        var up = outcome == "answered";
        _probes.Add(1, new KeyValuePair<string, object?>("trunk", trunk), new KeyValuePair<string, object?>("outcome", outcome));
        var previous = _up.TryGetValue(trunk, out var was) ? was : (bool?)null;
        _up[trunk] = up;
        if (previous != up)
        {
            if (up) LogTrunkUp(_log, trunk);
            else LogTrunkDown(_log, trunk, outcome);
        }
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "trunk {Trunk} is up (answers OPTIONS)")]
    private static partial void LogTrunkUp(ILogger logger, string trunk);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "trunk {Trunk} is down (OPTIONS keep-alive: {Outcome})")]
    private static partial void LogTrunkDown(ILogger logger, string trunk, string outcome);

    [LoggerMessage(EventId = 43, Level = LogLevel.Debug, Message = "trunk {Trunk}: outbound host '{Host}' has no address (DNS SRV or A/AAAA); keep-alive not sent")]
    private static partial void LogUnresolvable(ILogger logger, string trunk, string host);
}
