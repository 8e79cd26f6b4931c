namespace Ccgw.Core;

/// <summary>
/// What the customer's client said it is (XEP-0092 §3: name, version, operating system). Agents see it in the offer
/// and queues may route on it (<see cref="CompatibilityRule"/>).
/// </summary>
public sealed record ClientSoftware(string Name, string? Version = null, string? Os = null)
{
    /// <summary>"Gajim 1.8.4 (Linux)": how an agent reads it in a text offer.</summary>
    public override string ToString() =>
        (Version is null ? Name : $"{Name} {Version}") + (Os is null ? "" : $" ({Os})");
}

/// <summary>
/// Compatibility routing (seed 004): an interaction whose client matches — by software name (case-insensitive, as
/// XEP-0092 leaves case to the client) and/or by an announced feature (XEP-0030 <c>var</c>, exact) — may only be
/// offered to agents having <see cref="AgentCapability"/>. At least one of the two conditions is set; both must hold
/// when both are set.
/// </summary>
public sealed record CompatibilityRule(string AgentCapability, string? ClientSoftware = null, string? ClientFeature = null)
{
    public bool Matches(InteractionRequest request)
    {
        if (ClientSoftware is null && ClientFeature is null)
            return false;
        if (ClientSoftware is not null && !string.Equals(request.Client?.Name, ClientSoftware, StringComparison.OrdinalIgnoreCase))
            return false;
        return ClientFeature is null || request.Capabilities?.Contains(ClientFeature) == true;
    }
}
