using System.Collections.Immutable;
using Ccgw.Core.Repositories;

namespace Ccgw.Core.Routing;

/// <summary>Customers' presence (CONTRACT §6 client presence): informational, it does not take part in routing.</summary>
internal sealed partial class ContactCenterState
{
    private ImmutableDictionary<string, ClientPresence> _clientPresence = ImmutableDictionary.Create<string, ClientPresence>(StringComparer.Ordinal);

    /// <summary>
    /// Records a customer's presence. Emits <see cref="ClientPresenceChanged"/> only when the state or the preferred
    /// contact differs from the known one (an unknown customer counts as offline). Offline customers leave the snapshot,
    /// so it holds only customers who are reachable in some way.
    /// </summary>
    public CommandResult SetClientPresence(string customerId, ClientPresenceState state, PreferredContact? preferredContact, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(customerId))
            return CommandResult.Invalid("a customer id is required");
        if (!Enum.IsDefined(state))
            return CommandResult.Invalid($"unknown client presence '{state}'");
        FireTimersUntil(now);
        Flush();
        var known = _clientPresence.GetValueOrDefault(customerId);
        var previous = known?.State ?? ClientPresenceState.Offline;
        if (previous == state && Equals(known?.PreferredContact, preferredContact))
            return CommandResult.Ok;
        var presence = new ClientPresence(customerId, state, preferredContact, previous == state && known is not null ? known.Since : now);
        _clientPresence = state == ClientPresenceState.Offline ? _clientPresence.Remove(customerId) : _clientPresence.SetItem(customerId, presence);
        _snapshot = null;
        Emit(new ClientPresenceChanged(presence, previous));
        return CommandResult.Ok;
    }
}
