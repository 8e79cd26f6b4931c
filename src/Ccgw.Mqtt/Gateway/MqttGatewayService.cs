using Ccgw.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Runs the MQTT side of the gateway over one <see cref="IMqttGatewayLink"/>: publisher, screen pops, console
/// commands, console devices and, given a <see cref="CallbackListFeed"/>, the queues' call-back lists. StartAsync
/// returns once the snapshot (and every call-back list) is queued for publishing, so the daemon reports READY with
/// retained state on its way to subscribers.
/// </summary>
public sealed class MqttGatewayService(
    RoutingEngine engine,
    IMqttGatewayLink link,
    Core.Repositories.ICustomerRepository customers,
    TimeProvider time,
    string siteName,
    ILoggerFactory loggers,
    CallbackListFeed? callbackLists = null,
    Core.SelfHelp.ISelfHelpBriefing? selfHelp = null,
    Core.Repositories.ICallbackRepository? callbacks = null,
    Core.Invitations.InvitationDesk? invitations = null) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private StatsCoalescer? _coalescer;
    private CallbackListPublisher? _callbackLists;
    private MqttLocalSubscription? _commands;
    private MqttLocalSubscription? _supervisorCommands;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var outbox = new GatewayOutbox(link, loggers.CreateLogger<GatewayOutbox>());
        _coalescer = new StatsCoalescer(outbox, time);
        var screenPops = new ScreenPopPublisher(customers, outbox, loggers.CreateLogger<ScreenPopPublisher>(), selfHelp);
        var publisher = new PresencePublisher(engine, outbox, _coalescer, screenPops, time, siteName, loggers.CreateLogger<PresencePublisher>());
        var handler = new ConsoleCommandHandler(engine, outbox, time, loggers.CreateLogger<ConsoleCommandHandler>(), invitations);
        var watcher = new ConsoleDeviceWatcher(engine, link, loggers.CreateLogger<ConsoleDeviceWatcher>());
        var stop = _stop.Token;

        _loops.Add(outbox.RunAsync(stop));
        var (events, version) = await publisher.StartAsync(stop);
        _loops.Add(publisher.RunAsync(events, version, stop));
        _loops.Add(screenPops.RunAsync(stop));
        _commands = link.Subscribe(GatewayTopics.AllCommands, ConsoleCommandHandler.Capacity);
        _loops.Add(handler.RunAsync(_commands, stop));
        var supervisors = new SupervisorCommandHandler(engine, callbacks, outbox, time, loggers.CreateLogger<SupervisorCommandHandler>());
        _supervisorCommands = link.Subscribe(GatewayTopics.AllSupervisorCommands, SupervisorCommandHandler.Capacity);
        _loops.Add(supervisors.RunAsync(_supervisorCommands, stop));
        _loops.Add(watcher.RunAsync(stop));
        if (invitations is not null)
            _loops.Add(new InvitationPublisher(invitations, customers, outbox, loggers.CreateLogger<InvitationPublisher>()).RunAsync(stop));
        if (callbackLists is not null)
        {
            _callbackLists = new CallbackListPublisher(callbackLists, outbox, time, loggers.CreateLogger<CallbackListPublisher>());
            await _callbackLists.StartAsync(stop);
            _loops.Add(_callbackLists.RunAsync(stop));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        _commands?.Dispose();
        _supervisorCommands?.Dispose();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _coalescer?.Dispose();
        _callbackLists?.Dispose();
        _commands?.Dispose();
        _supervisorCommands?.Dispose();
        _stop.Dispose();
    }
}
