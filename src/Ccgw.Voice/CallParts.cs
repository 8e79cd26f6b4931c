using Ccgw.Core;

namespace Ccgw.Voice;

/// <summary>
/// The collaborators a call (<see cref="VoiceCall"/>) or call-back (<see cref="CallbackCall"/>) works with, made once by
/// the <see cref="VoiceGateway"/> and handed to each: the core, the dialler that places legs, the registry that routes
/// their requests back to the call, what is played, the call-back list, the metrics, the settings and the clock.
/// Children reach nothing else; in particular they never call back into the gateway.
/// </summary>
internal sealed record CallParts(RoutingEngine Engine, LegDialler Dialler, CallRegistry Registry, QueueAnnouncer Announcer,
    CallbackLedger Callbacks, VoiceMetrics Metrics, VoiceSettings Settings, TimeProvider Time);
