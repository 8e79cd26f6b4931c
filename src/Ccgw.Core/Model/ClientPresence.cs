using Ccgw.Core.Repositories;

namespace Ccgw.Core;

/// <summary>A customer's availability as a channel sees it (CONTRACT §6 <c>ccgw/clients/{customerId}/presence</c>).</summary>
public enum ClientPresenceState
{
    Offline,
    Online,
    Away,

    /// <summary>Do not disturb.</summary>
    Dnd,
}

/// <summary>
/// The latest presence of one customer: <see cref="Since"/> is when <see cref="State"/> last changed (a change of
/// <see cref="PreferredContact"/> alone keeps it).
/// </summary>
public sealed record ClientPresence(string CustomerId, ClientPresenceState State, PreferredContact? PreferredContact, DateTimeOffset Since);

/// <summary>A customer's presence or preferred contact changed (set by a channel through <c>SetClientPresenceAsync</c>).</summary>
public sealed record ClientPresenceChanged(ClientPresence Presence, ClientPresenceState PreviousState) : CoreEvent;
