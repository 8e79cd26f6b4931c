using System.Text.Json;

namespace Ccgw.Core.Provisioning;

/// <summary>
/// A flow as the admin API shows it: its definition in the configuration's <c>Flows:{id}</c> shape (camelCase:
/// <c>start</c>, <c>steps</c>), who owns it (<c>file</c> or <c>api</c>), and who uses it (DIDs, the IM entry), which keeps
/// it from being removed.
/// </summary>
public sealed record FlowView(string Id, string Source, JsonElement Definition, IReadOnlyList<string> UsedBy);

/// <summary>
/// Flows at run time (issue 20) as the admin API sees them. Implemented by the host, which owns the mapping of the
/// configuration's flow shape onto the core's <see cref="Flows.FlowCatalog"/>; changes are checked with the
/// configuration's flow rules, stored with their audit entry, and applied at once: the next call or chat starts in the
/// new flow, one under way finishes in the flow it entered.
/// </summary>
public interface IFlowProvisioning
{
    IReadOnlyList<FlowView> ListFlows();

    FlowView? GetFlow(string id);

    /// <summary>Creates or replaces a flow from its definition (the configuration's shape).</summary>
    Task<ProvisioningResult<FlowView>> PutFlowAsync(string actor, string id, JsonElement definition, CancellationToken cancellationToken);

    /// <summary>Removes a flow; refused (Conflict, naming the users) while a DID or the IM entry routes to it.</summary>
    Task<ProvisioningResult<FlowView>> RemoveFlowAsync(string actor, string id, CancellationToken cancellationToken);
}
