namespace Ccgw.Core.Provisioning;

public enum ProvisioningOutcome
{
    Ok,
    Created,
    NotFound,

    /// <summary>Refused because it would strand work or clash with what exists (HTTP 409).</summary>
    Conflict,

    /// <summary>A field is wrong (HTTP 400, naming it).</summary>
    Invalid,
}

/// <summary>What a provisioning change did: the record after it, or why not (the field for <see cref="ProvisioningOutcome.Invalid"/>).</summary>
public sealed record ProvisioningResult<T>(ProvisioningOutcome Outcome, T? Value = default, string? Field = null, string? Message = null)
{
    public static ProvisioningResult<T> Invalid(string field, string message) => new(ProvisioningOutcome.Invalid, default, field, message);

    public static ProvisioningResult<T> NotFound(string message) => new(ProvisioningOutcome.NotFound, default, null, message);

    public static ProvisioningResult<T> Conflict(string message) => new(ProvisioningOutcome.Conflict, default, null, message);
}

/// <summary>
/// A change to an agent: null fields are left as they are (PATCH) or take their defaults (PUT, POST). The password is
/// derived into a stored credential at once and never kept.
/// </summary>
public sealed record AgentChange(
    string? Name = null,
    string? Password = null,
    IReadOnlyDictionary<string, int>? Skills = null,
    ChannelCapacity? Capacity = null,
    IReadOnlyList<string>? Capabilities = null,
    bool? ImWhileOnVoice = null,
    IReadOnlyList<string>? ReasonCodes = null);

/// <summary>A change to a queue's routing settings; null fields are left as they are.</summary>
public sealed record QueueChange(
    IReadOnlyDictionary<string, int>? Skills = null,
    int? Priority = null,
    int? ServiceLevelSeconds = null,
    double? ServiceLevelTarget = null,
    IReadOnlyList<Repositories.ProvisionedWidening>? Widening = null,
    Repositories.ProvisionedOverflow? Overflow = null,
    bool RemoveOverflow = false);

/// <summary>A supervisor as the admin API shows it (never the credential).</summary>
public sealed record ProvisionedSupervisor(string Id, string Name);
