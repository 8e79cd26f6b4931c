using System.Text;
using Ccgw.Core;
using Ccgw.Core.Security;

namespace Ccgw.Configuration;

/// <summary>Maps validated options to the routing core's definitions.</summary>
public static class CoreDefinitions
{
    public static ContactCenterDefinition From(GatewayOptions o) => new(
        [.. o.Agents.Select(a => new AgentDefinition(
            a.Id,
            a.Name ?? a.Id,
            new Dictionary<string, int>(a.Skills, StringComparer.Ordinal),
            new ChannelCapacity(a.Capacity.Voice, a.Capacity.Im, a.Capacity.Callback),
            a.Devices.Count + a.Capabilities.Count == 0 ? null : new HashSet<string>(a.Devices.Concat(a.Capabilities), StringComparer.Ordinal),
            new BlendingRules(VoiceExclusive: !a.Capacity.ImWhileOnVoice)))],
        [.. o.Queues.Select(q => new QueueDefinition(
            q.Id,
            new Dictionary<string, int>(q.Skills, StringComparer.Ordinal),
            q.Priority,
            new ServiceLevelTarget(TimeSpan.FromSeconds(q.ServiceLevel.Seconds), q.ServiceLevel.Target),
            q.Overflow is { } overflow ? new OverflowRule(TimeSpan.FromSeconds(overflow.AfterSeconds), overflow.Queue) : null,
            [.. q.Widening.Select(w => new WideningStep(TimeSpan.FromSeconds(w.AfterSeconds), w.MinLevel))])
        {
            RequiredAgentCapabilities = q.RequiredAgentCapabilities.Count == 0 ? null : new HashSet<string>(q.RequiredAgentCapabilities, StringComparer.Ordinal),
            Compatibility = q.Compatibility.Count == 0 ? null
                : [.. q.Compatibility.Select(c => new CompatibilityRule(c.AgentCapability, Blank(c.ClientSoftware), Blank(c.ClientFeature)))],
        })],
        new RoutingOptions
        {
            OfferTimeout = TimeSpan.FromSeconds(o.Routing.OfferTimeoutSeconds),
            DefaultWrapUp = TimeSpan.FromSeconds(o.Routing.WrapUpSeconds),
            DeviceLostGrace = TimeSpan.FromSeconds(o.Routing.DeviceLostGraceSeconds),
        });

    /// <summary>
    /// Agents and supervisors with their credentials: <c>PasswordHash</c> parsed, or <c>Password</c> derived for
    /// Site:SipDomain (the realm the hashes are bound to). Validation guarantees one of the two is set and a hash parses.
    /// </summary>
    public static IReadOnlyList<StaffLogin> StaffLogins(GatewayOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        (string Id, StaffRole Role, string? Password, string? Hash)[] people =
        [
            .. o.Agents.Select(a => (a.Id, StaffRole.Agent, a.Password, a.PasswordHash)),
            .. o.Supervisors.Select(s => (s.Id, StaffRole.Supervisor, s.Password, s.PasswordHash)),
        ];
        // A plain password costs two PBKDF2 runs of 4,096 rounds (tens of milliseconds on a loaded core): spread over
        // every core, in the file's order. The daemon asks for this only while the provisioning store is empty.
        var logins = new StaffLogin[people.Length];
        Parallel.For(0, people.Length, i =>
            logins[i] = new StaffLogin(people[i].Id, people[i].Role, Credential(people[i].Id, people[i].Password, people[i].Hash, o.Site.SipDomain)));
        return logins;
    }

    /// <summary>
    /// The configuration's people as provisioning records, seeding an empty store at first start (issue 20). The
    /// credentials are those of <paramref name="logins"/> (the ones <see cref="StaffLogins"/> built), so the stored
    /// form is the same derived credential the protocols already check, never a password.
    /// </summary>
    public static IReadOnlyList<Core.Repositories.StaffRecord> ProvisionedStaff(GatewayOptions o, IEnumerable<StaffLogin> logins)
    {
        ArgumentNullException.ThrowIfNull(o);
        var byId = logins.ToDictionary(l => l.Id, StringComparer.Ordinal);
        return
        [
            .. o.Agents.Select(a => new Core.Repositories.StaffRecord(a.Id, StaffRole.Agent, a.Name ?? a.Id, byId[a.Id].Credential.ToString(),
                new Core.Repositories.ProvisionedAgent(a.Id, a.Name ?? a.Id, new Dictionary<string, int>(a.Skills, StringComparer.Ordinal),
                    new ChannelCapacity(a.Capacity.Voice, a.Capacity.Im, a.Capacity.Callback), [.. a.Devices.Concat(a.Capabilities)],
                    a.Capacity.ImWhileOnVoice, []))),
            .. o.Supervisors.Select(s => new Core.Repositories.StaffRecord(s.Id, StaffRole.Supervisor, s.Name ?? s.Id, byId[s.Id].Credential.ToString(), null)),
        ];
    }

    private static StoredCredential Credential(string user, string? password, string? hash, string realm) =>
        hash is { Length: > 0 } && StoredCredential.TryParse(hash, out var parsed, out _) ? parsed
            : StoredCredential.Derive(user, realm, password ?? throw new InvalidOperationException($"{user} has no credential"));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The channel-neutral flows and prompts (see <see cref="FlowDefinitions"/>).</summary>
    public static Ccgw.Core.Flows.FlowCatalog FlowCatalog(GatewayOptions o, ConfigContext? context = null) => FlowDefinitions.From(o, context);

    /// <summary><c>Queues[1].Overflow.Queue</c> → <c>Queues:1:Overflow:Queue</c>.</summary>
    public static string KeyPath(string corePath)
    {
        var sb = new StringBuilder(corePath.Length);
        foreach (var ch in corePath)
        {
            if (ch is '.' or '[') sb.Append(':');
            else if (ch != ']') sb.Append(ch);
        }
        return sb.ToString();
    }
}
