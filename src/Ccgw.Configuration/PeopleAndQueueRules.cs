using Ccgw.Core.Security;

namespace Ccgw.Configuration;

/// <summary>Agents, supervisors, queues, the IM addresses and the admin/routing settings.</summary>
internal static class PeopleAndQueueRules
{
    public static void Check(GatewayOptions o, ConfigProblems problems)
    {
        CheckSite(o.Site, problems);
        var accounts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.Agents.Count; i++)
        {
            var a = o.Agents[i];
            var key = $"Agents:{i}";
            CheckAccount(key, a.Id, a.Password, a.PasswordHash, accounts, "agent", problems);
            CheckHashBinding(key, a.Id, a.PasswordHash, o.Site.SipDomain, problems);
            CheckSkills($"{key}:Skills", a.Skills, problems);
            CompatibilityRules.CheckCapabilities($"{key}:Capabilities", a.Capabilities, problems);
            if (a.Capacity.Voice is < 0 or > 1)
                problems.Error($"{key}:Capacity:Voice", $"{a.Capacity.Voice} voice calls at once is not supported; use 0 or 1");
            if (a.Capacity.Im is < 0 or > 20)
                problems.Error($"{key}:Capacity:Im", $"{a.Capacity.Im} chats at once is out of range; use 0-20");
            if (a.Capacity.Callback is < 0 or > 1)
                problems.Error($"{key}:Capacity:Callback", $"{a.Capacity.Callback} call-backs at once is not supported; use 0 or 1");
            if (a.Srtp is not ("off" or "optional" or "required"))
                problems.Error($"{key}:Srtp", $"'{a.Srtp}' is not a SRTP mode; use off, optional or required");
        }
        for (var i = 0; i < o.Supervisors.Count; i++)
        {
            var s = o.Supervisors[i];
            CheckAccount($"Supervisors:{i}", s.Id, s.Password, s.PasswordHash, accounts, "supervisor", problems);
            CheckHashBinding($"Supervisors:{i}", s.Id, s.PasswordHash, o.Site.SipDomain, problems);
        }
        if (o.Agents.Count == 0)
            problems.Warning("Agents", "no agents are configured; nothing can be routed");

        var queueIds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.Queues.Count; i++)
        {
            var q = o.Queues[i];
            var key = $"Queues:{i}";
            if (!IsIdentifier(q.Id))
                problems.Error($"{key}:Id", $"'{q.Id}' is not a usable id; use lower-case letters, digits, '.', '_' or '-'");
            else if (!queueIds.TryAdd(q.Id, i))
                problems.Error($"{key}:Id", $"duplicate queue id '{q.Id}' (also Queues:{queueIds[q.Id]}); give each queue a unique id");
        }

        var imAddresses = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [o.Im.SupportAddress] = "Im:SupportAddress",
        };
        if (!IsIdentifier(o.Im.SupportAddress))
            problems.Error("Im:SupportAddress", $"'{o.Im.SupportAddress}' is not a usable XMPP local part; use lower-case letters, digits, '.', '_' or '-'");
        foreach (var account in accounts.Keys)
            imAddresses.TryAdd(account, "an agent or supervisor account");

        for (var i = 0; i < o.Queues.Count; i++)
        {
            var q = o.Queues[i];
            var key = $"Queues:{i}";
            CheckSkills($"{key}:Skills", q.Skills, problems);
            if (q.Skills.Count == 0)
                problems.Error($"{key}:Skills", "a queue needs at least one required skill, e.g. { \"sales\": 1 }");
            foreach (var skill in q.Skills.Keys)
                if (!o.Agents.Any(a => a.Skills.ContainsKey(skill)))
                    problems.Warning($"{key}:Skills:{skill}", $"no agent has skill '{skill}'; queue '{q.Id}' cannot be answered");
            if (q.Priority is < 1 or > 10)
                problems.Error($"{key}:Priority", $"{q.Priority} is out of range; use 1 (lowest) to 10 (highest)");
            if (q.ServiceLevel.Seconds <= 0)
                problems.Error($"{key}:ServiceLevel:Seconds", $"{q.ServiceLevel.Seconds} is not a positive number of seconds");
            if (q.ServiceLevel.Target is <= 0 or > 1)
                problems.Error($"{key}:ServiceLevel:Target", $"{q.ServiceLevel.Target} is not a fraction; use a value in (0, 1], e.g. 0.8");
            if (q.Overflow is { } overflow)
            {
                if (overflow.AfterSeconds <= 0)
                    problems.Error($"{key}:Overflow:AfterSeconds", $"{overflow.AfterSeconds} is not a positive number of seconds");
                if (!queueIds.ContainsKey(overflow.Queue))
                    problems.Error($"{key}:Overflow:Queue", $"queue '{overflow.Queue}' is not defined; use one of: {Known(queueIds.Keys)}");
                else if (string.Equals(overflow.Queue, q.Id, StringComparison.OrdinalIgnoreCase))
                    problems.Error($"{key}:Overflow:Queue", "a queue cannot overflow into itself");
            }
            var last = 0;
            for (var w = 0; w < q.Widening.Count; w++)
            {
                var step = q.Widening[w];
                if (step.AfterSeconds <= last)
                    problems.Error($"{key}:Widening:{w}:AfterSeconds", $"{step.AfterSeconds} must be greater than the step before ({last}); list widening steps in increasing time");
                if (step.MinLevel is < 1 or > 10)
                    problems.Error($"{key}:Widening:{w}:MinLevel", $"{step.MinLevel} is not a skill level; use 1-10");
                last = Math.Max(last, step.AfterSeconds);
            }
            CompatibilityRules.CheckQueue(o, key, q, problems);
            if (q.ImAddress is { } im)
            {
                if (!IsIdentifier(im))
                    problems.Error($"{key}:ImAddress", $"'{im}' is not a usable XMPP local part; use lower-case letters, digits, '.', '_' or '-'");
                else if (!imAddresses.TryAdd(im, $"{key}:ImAddress"))
                    problems.Error($"{key}:ImAddress", $"'{im}' is already used by {imAddresses[im]}; each address must be unique");
            }
        }

        if (o.Routing.OfferTimeoutSeconds is < 1 or > 600)
            problems.Error("Routing:OfferTimeoutSeconds", $"{o.Routing.OfferTimeoutSeconds} is out of range; use 1-600");
        if (o.Routing.WrapUpSeconds is < 0 or > 3600)
            problems.Error("Routing:WrapUpSeconds", $"{o.Routing.WrapUpSeconds} is out of range; use 0-3600");
        if (o.Routing.DeviceLostGraceSeconds is < 0 or > 3600)
            problems.Error("Routing:DeviceLostGraceSeconds", $"{o.Routing.DeviceLostGraceSeconds} is out of range; use 0-3600");
        if (o.Routing.ServiceLevelWindowSeconds is < 60 or > 86400)
            problems.Error("Routing:ServiceLevelWindowSeconds", $"{o.Routing.ServiceLevelWindowSeconds} is out of range; use 60-86400");

        CheckAdmin(o.Admin, problems);
    }

    internal static bool QueueExists(GatewayOptions o, string? id) =>
        id is not null && o.Queues.Any(q => string.Equals(q.Id, id, StringComparison.OrdinalIgnoreCase));

    internal static string Known(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "(none defined)" : string.Join(", ", list);
    }

    /// <summary>Ids appear in SIP user parts, XMPP local parts and MQTT topic levels, so they keep to a safe alphabet.</summary>
    internal static bool IsIdentifier(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 &&
        id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-');

    private static void CheckSite(SiteOptions site, ConfigProblems problems)
    {
        // The packaged configuration ships both domains empty so that ccgw does not start until an admin has set them.
        if (string.IsNullOrWhiteSpace(site.SipDomain))
            problems.Error("Site:SipDomain", "not set; set it to the centre's SIP domain (e.g. example.com), then review Listeners, Admin, Agents and Trunks; ccgw does not start until configured");
        else if (site.SipDomain.Contains(' ', StringComparison.Ordinal))
            problems.Error("Site:SipDomain", $"'{site.SipDomain}' is not a domain; use e.g. localhost or example.com");
        if (string.IsNullOrWhiteSpace(site.XmppDomain))
            problems.Error("Site:XmppDomain", "not set; set it to the centre's XMPP domain (e.g. example.com); ccgw does not start until configured");
        else if (site.XmppDomain.Contains(' ', StringComparison.Ordinal) || site.XmppDomain.Contains('@', StringComparison.Ordinal))
            problems.Error("Site:XmppDomain", $"'{site.XmppDomain}' is not a domain; use e.g. localhost or example.com");
    }

    private static void CheckAccount(string key, string id, string? password, string? hash,
        Dictionary<string, string> accounts, string kind, ConfigProblems problems)
    {
        if (!IsIdentifier(id))
            problems.Error($"{key}:Id", $"'{id}' is not a usable {kind} id; use lower-case letters, digits, '.', '_' or '-' (it becomes a SIP user, XMPP local part and MQTT username)");
        else if (!accounts.TryAdd(id, key))
            problems.Error($"{key}:Id", $"duplicate {kind} id '{id}' (also {accounts[id]}); give each agent and supervisor a unique id");

        var hasPassword = !string.IsNullOrEmpty(password);
        var hasHash = !string.IsNullOrEmpty(hash);
        if (hasPassword && hasHash)
            problems.Error($"{key}:Password", "both Password and PasswordHash are set; keep only PasswordHash");
        else if (!hasPassword && !hasHash)
            problems.Error($"{key}:PasswordHash", $"the {kind} has no credential; set PasswordHash (from 'ccgwctl hash-password') or Password");
        else if (hasHash && !StoredCredential.TryParse(hash!, out _, out var why))
            problems.Error($"{key}:PasswordHash", $"not a credential made by 'ccgwctl hash-password': {why}");
        else if (hasPassword && password!.Length < 8)
            problems.Error($"{key}:Password", "passwords need at least 8 characters");
    }

    /// <summary>Digest HA1 binds user and realm: a hash made for another user or domain can never authenticate.</summary>
    private static void CheckHashBinding(string key, string id, string? hash, string sipDomain, ConfigProblems problems)
    {
        if (string.IsNullOrEmpty(hash) || !StoredCredential.TryParse(hash, out var credential, out _)) return;
        if (!string.Equals(credential.User, id, StringComparison.Ordinal))
            problems.Error($"{key}:PasswordHash", $"the hash was made for user '{credential.User}', not '{id}'; run 'ccgwctl hash-password --user {id} --realm {sipDomain}'");
        else if (!string.Equals(credential.Realm, sipDomain, StringComparison.OrdinalIgnoreCase))
            problems.Error($"{key}:PasswordHash", $"the hash was made for realm '{credential.Realm}' but Site:SipDomain is '{sipDomain}'; run 'ccgwctl hash-password --user {id} --realm {sipDomain}'");
    }

    private static void CheckSkills(string key, Dictionary<string, int> skills, ConfigProblems problems)
    {
        foreach (var (skill, level) in skills)
        {
            if (!IsIdentifier(skill))
                problems.Error($"{key}:{skill}", $"'{skill}' is not a usable skill name; use lower-case letters, digits, '.', '_' or '-'");
            if (level is < 1 or > 10)
                problems.Error($"{key}:{skill}", $"level {level} is out of range; skill levels are 1-10");
        }
    }

    private static void CheckAdmin(AdminOptions admin, ConfigProblems problems)
    {
        if (!string.IsNullOrEmpty(admin.Token) && !string.IsNullOrEmpty(admin.TokenSha256))
            problems.Error("Admin:Token", "both Token and TokenSha256 are set; keep only TokenSha256");
        else if (!string.IsNullOrEmpty(admin.TokenSha256) &&
                 (admin.TokenSha256.Length != 64 || !admin.TokenSha256.All(Uri.IsHexDigit)))
            problems.Error("Admin:TokenSha256", "expected 64 hex digits (sha256sum of the token)");
        else if (!string.IsNullOrEmpty(admin.Token) && admin.Token.Length < 16)
            problems.Error("Admin:Token", "the admin token needs at least 16 characters");
        else if (string.IsNullOrEmpty(admin.Token) && string.IsNullOrEmpty(admin.TokenSha256))
            problems.Warning("Admin", "no admin token is configured; the admin API under /api/admin/ is disabled");
    }
}
