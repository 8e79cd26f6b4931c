using Ccgw.Core;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Server;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// Presence to the core: an agent's XMPP presence drives its routing state when <c>agentPresenceDrivesState</c>
/// (Xmpp:PresenceDrivesAgentState) is on (available/chat = ready, away/xa/dnd = notReady, offline = device "xmpp" lost,
/// so the usual grace period applies); a customer's presence becomes client presence (published on MQTT by the MQTT gateway).
/// A customer's or guest's presence also goes to the IM gateway (<paramref name="im"/>, when the built-in server hosts
/// it), which shows it to the agents holding that customer's chats from the conversation address.
/// </summary>
public sealed partial class XmppPresenceBridge(bool agentPresenceDrivesState, RoutingEngine engine, ILogger<XmppPresenceBridge> log,
    ImGateway? im = null) : IXmppPresenceObserver
{
    public const string Device = "xmpp";

    public async ValueTask OnPresenceChangedAsync(XmppAccount account, Jid bare, XmppPresenceShow show, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (im is not null && account.Kind is XmppAccountKind.Customer or XmppAccountKind.Guest)
            await im.OnCustomerPresenceAsync(bare, show, cancellationToken);
        switch (account.Kind)
        {
            case XmppAccountKind.Agent when agentPresenceDrivesState && account.PresenceDrivesState:
                {
                    var id = account.Id ?? account.User;
                    CommandResult result;
                    if (show == XmppPresenceShow.Unavailable)
                    {
                        result = await engine.DeviceLostAsync(id, Device, cancellationToken);
                    }
                    else
                    {
                        await engine.DeviceRestoredAsync(id, Device, cancellationToken);
                        result = show is XmppPresenceShow.Available or XmppPresenceShow.Chat
                            ? await engine.SetAgentStateAsync(id, AgentStateRequest.Ready, "xmpp presence", cancellationToken)
                            : await engine.SetAgentStateAsync(id, AgentStateRequest.NotReady, $"xmpp {show}", cancellationToken);
                    }
                    LogAgentPresence(log, id, show, result);
                    break;
                }
            case XmppAccountKind.Customer when account.CustomerId is { } customerId:
                {
                    var state = show switch
                    {
                        XmppPresenceShow.Unavailable => ClientPresenceState.Offline,
                        XmppPresenceShow.Away or XmppPresenceShow.ExtendedAway => ClientPresenceState.Away,
                        XmppPresenceShow.DoNotDisturb => ClientPresenceState.Dnd,
                        _ => ClientPresenceState.Online,
                    };
                    await engine.SetClientPresenceAsync(customerId, state, cancellationToken: cancellationToken);
                    break;
                }
        }
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "agent {Agent} XMPP presence {Show}: {Result}")]
    private static partial void LogAgentPresence(ILogger logger, string agent, XmppPresenceShow show, CommandResult result);
}
