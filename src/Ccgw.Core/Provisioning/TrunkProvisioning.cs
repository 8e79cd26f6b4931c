using System.Text.Json;

namespace Ccgw.Core.Provisioning;

/// <summary>
/// A trunk as the admin API shows it: its settings in the configuration's <c>Trunks[]</c> shape (camelCase, passwords
/// left out), the DIDs routed through it, and who owns it (<c>file</c> or <c>api</c>).
/// </summary>
public sealed record TrunkView(string Id, string Source, JsonElement Settings, IReadOnlyDictionary<string, string> Dids);

/// <summary>A dialled number, the flow it enters and the trunk it comes through; who owns it (<c>file</c> or <c>api</c>).</summary>
public sealed record DidView(string Did, string Flow, string Trunk, string Source);

/// <summary>
/// Trunks and DIDs at run time (issue 20) as the admin API sees them. Implemented by the host, which owns the mapping
/// of the configuration's trunk shape onto the voice path; changes are checked with the configuration's trunk rules,
/// stored with their audit entry, and applied at once (calls in progress keep their flow).
/// </summary>
public interface ITrunkProvisioning
{
    IReadOnlyList<TrunkView> ListTrunks();

    TrunkView? GetTrunk(string id);

    /// <summary>Creates or replaces a trunk from its settings (the configuration's shape); a password left out is kept.</summary>
    Task<ProvisioningResult<TrunkView>> PutTrunkAsync(string actor, string id, JsonElement settings, CancellationToken cancellationToken);

    /// <summary>Removes a trunk and the DIDs routed through it; refused (Conflict) while it carries calls.</summary>
    Task<ProvisioningResult<TrunkView>> RemoveTrunkAsync(string actor, string id, CancellationToken cancellationToken);

    IReadOnlyList<DidView> ListDids();

    /// <summary>Routes a DID to a flow through a trunk (<paramref name="trunk"/> null: the DID's present trunk, or the only trunk).</summary>
    Task<ProvisioningResult<DidView>> PutDidAsync(string actor, string did, string? flow, string? trunk, CancellationToken cancellationToken);

    Task<ProvisioningResult<DidView>> RemoveDidAsync(string actor, string did, CancellationToken cancellationToken);
}
