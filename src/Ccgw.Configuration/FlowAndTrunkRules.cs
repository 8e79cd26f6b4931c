using System.Net;

namespace Ccgw.Configuration;

/// <summary>Prompts (files exist), flows (every reference resolves) and trunks (addresses, DIDs to flows).</summary>
internal static class FlowAndTrunkRules
{
    private static readonly string[] StepTypes = ["say", "menu", "collect", "queue", "callback", "hangup", "goto"];

    public static void Check(GatewayOptions o, ConfigContext context, ConfigProblems problems)
    {
        foreach (var (id, prompt) in o.Prompts.Items)
        {
            var key = $"Prompts:Items:{id}";
            if (string.IsNullOrWhiteSpace(prompt.File))
                problems.Error($"{key}:File", "no file given; name a WAV file in the prompt directory");
            else
                ConfigContext.RequireFileAt($"{key}:File", context.Resolve(o.Prompts.Directory, prompt.File),
                    Path.Combine(o.Prompts.Directory, prompt.File), problems);
            if (string.IsNullOrWhiteSpace(prompt.Text))
                problems.Error($"{key}:Text", "no text given; the IM channel shows this text where voice plays the file");
        }

        var queueIds = o.Queues.Select(q => q.Id).ToList();
        foreach (var (flowId, flow) in o.Flows)
            CheckFlow(o.Prompts.Items.Keys, queueIds, $"Flows:{flowId}", flowId, flow, problems);

        if (!o.Flows.ContainsKey(o.Im.Flow))
            problems.Error("Im:Flow", $"flow '{o.Im.Flow}' is not defined; use one of: {PeopleAndQueueRules.Known(o.Flows.Keys)}");

        for (var i = 0; i < o.Queues.Count; i++)
            if (o.Queues[i].HoldPrompt is { } hold && !o.Prompts.Items.ContainsKey(hold))
                problems.Error($"Queues:{i}:HoldPrompt", $"prompt '{hold}' is not defined under Prompts:Items");

        var trunkIds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var dids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Trunks.Count; i++)
            CheckTrunk(o.Trunks, o.Flows.Keys, i, trunkIds, dids, problems);

        if (o.Customers.SeedFile is { Length: > 0 } seed)
            context.RequireFile("Customers:SeedFile", seed, problems);
    }

    /// <summary>
    /// One flow's rules: its id, its steps and every reference (steps, prompts in <paramref name="promptIds"/>, queues in
    /// <paramref name="queueIds"/>, matched as the routing matches them). Each problem's key starts with <paramref name="key"/>.
    /// </summary>
    internal static void CheckFlow(IReadOnlyCollection<string> promptIds, IReadOnlyCollection<string> queueIds, string key, string flowId,
        FlowOptions flow, ConfigProblems problems)
    {
        if (!PeopleAndQueueRules.IsIdentifier(flowId))
            problems.Error(key, $"'{flowId}' is not a usable flow id; use lower-case letters, digits, '.', '_' or '-'");
        if (flow.Steps.Count == 0)
        {
            problems.Error($"{key}:Steps", "a flow needs at least one step");
            return;
        }
        if (!flow.Steps.ContainsKey(flow.Start))
            problems.Error($"{key}:Start", $"step '{flow.Start}' is not defined in this flow; use one of: {PeopleAndQueueRules.Known(flow.Steps.Keys)}");

        void StepRef(string k, string? target, bool required)
        {
            if (target is null)
            {
                if (required) problems.Error(k, "missing; name the step to go to");
                return;
            }
            if (!flow.Steps.ContainsKey(target))
                problems.Error(k, $"step '{target}' is not defined in flow '{flowId}'; use one of: {PeopleAndQueueRules.Known(flow.Steps.Keys)}");
        }

        void PromptRef(string k, string? prompt, bool required)
        {
            if (prompt is null)
            {
                if (required) problems.Error(k, "missing; name a prompt from Prompts:Items");
                return;
            }
            if (!promptIds.Contains(prompt))
                problems.Error(k, $"prompt '{prompt}' is not defined under Prompts:Items; use one of: {PeopleAndQueueRules.Known(promptIds)}");
        }

        foreach (var (stepId, step) in flow.Steps)
        {
            var sk = $"{key}:Steps:{stepId}";
            var type = step.Type.ToLowerInvariant();
            if (!StepTypes.Contains(type))
            {
                problems.Error($"{sk}:Type", $"'{step.Type}' is not a step type; use one of: {string.Join(", ", StepTypes)}");
                continue;
            }
            PromptRef($"{sk}:Prompt", step.Prompt, required: type is "say" or "menu" or "collect");
            PromptRef($"{sk}:InvalidPrompt", step.InvalidPrompt, required: false);
            StepRef($"{sk}:OnFailure", step.OnFailure, required: false);
            switch (type)
            {
                case "say":
                case "collect":
                case "goto":
                    StepRef($"{sk}:Next", step.Next, required: true);
                    break;
                case "menu":
                    if (step.Options.Count == 0)
                        problems.Error($"{sk}:Options", "a menu needs at least one option, e.g. { \"1\": \"sales\" }");
                    foreach (var (digit, target) in step.Options)
                    {
                        if (digit.Length != 1 || !"0123456789*#".Contains(digit[0], StringComparison.Ordinal))
                            problems.Error($"{sk}:Options:{digit}", $"'{digit}' is not a key; use one of 0-9, * or #");
                        StepRef($"{sk}:Options:{digit}", target, required: true);
                    }
                    foreach (var (word, digit) in step.Words)
                        if (!step.Options.ContainsKey(digit))
                            problems.Error($"{sk}:Words:{word}", $"'{digit}' is not one of this menu's options");
                    break;
                case "queue":
                case "callback":
                    if (step.Queue is null || !queueIds.Contains(step.Queue, StringComparer.OrdinalIgnoreCase))
                        problems.Error($"{sk}:Queue", $"queue '{step.Queue}' is not defined; use one of: {PeopleAndQueueRules.Known(queueIds)}");
                    StepRef($"{sk}:Next", step.Next, required: false);
                    break;
            }
            if (step.TimeoutSeconds is < 1 or > 120)
                problems.Error($"{sk}:TimeoutSeconds", $"{step.TimeoutSeconds} is out of range; use 1-120");
            if (step.Retries is < 0 or > 10)
                problems.Error($"{sk}:Retries", $"{step.Retries} is out of range; use 0-10");
            if (step.MaxDigits is < 1 or > 32)
                problems.Error($"{sk}:MaxDigits", $"{step.MaxDigits} is out of range; use 1-32");
            // A variable is what a collect step gathers; on any other step it would be accepted and never filled.
            if (step.Variable is not null && type != "collect")
                problems.Error($"{sk}:Variable", $"only a collect step gathers a variable; remove it from this {type} step");
            else if (step.Variable is { } variable && !PeopleAndQueueRules.IsIdentifier(variable))
                problems.Error($"{sk}:Variable", $"'{variable}' is not a usable variable name; use lower-case letters, digits, '.', '_' or '-'");
            if (step.Product is { } product && (string.IsNullOrWhiteSpace(product) || product.Trim().Length > 100))
                problems.Error($"{sk}:Product", "name the product in 1-100 characters");
        }
    }

    /// <summary>
    /// The trunk rules alone, over a candidate list of trunks (the file's merged with those provisioned at run time,
    /// issue 20): the same checks and keys (<c>Trunks:{i}:...</c>) as at start.
    /// </summary>
    internal static void CheckTrunks(IReadOnlyList<TrunkOptions> trunks, IReadOnlyCollection<string> flowIds, ConfigProblems problems)
    {
        var trunkIds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var dids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < trunks.Count; i++)
            CheckTrunk(trunks, flowIds, i, trunkIds, dids, problems);
    }

    private static void CheckTrunk(IReadOnlyList<TrunkOptions> trunks, IReadOnlyCollection<string> flowIds, int i, Dictionary<string, int> trunkIds,
        Dictionary<string, string> dids, ConfigProblems problems)
    {
        var t = trunks[i];
        var key = $"Trunks:{i}";
        if (!PeopleAndQueueRules.IsIdentifier(t.Id))
            problems.Error($"{key}:Id", $"'{t.Id}' is not a usable trunk id; use lower-case letters, digits, '.', '_' or '-'");
        else if (!trunkIds.TryAdd(t.Id, i))
            problems.Error($"{key}:Id", $"duplicate trunk id '{t.Id}' (also Trunks:{trunkIds[t.Id]})");

        for (var a = 0; a < t.AllowFrom.Count; a++)
            if (!TryParseNetwork(t.AllowFrom[a]))
                problems.Error($"{key}:AllowFrom:{a}", $"'{t.AllowFrom[a]}' is not an IP address or CIDR network such as 192.0.2.10 or 192.0.2.0/24");
        if (string.IsNullOrEmpty(t.Username) != string.IsNullOrEmpty(t.Password))
            problems.Error($"{key}:{(string.IsNullOrEmpty(t.Username) ? "Username" : "Password")}", "digest authentication needs both Username and Password");
        if (t.AllowFrom.Count == 0 && string.IsNullOrEmpty(t.Username))
            problems.Error($"{key}:AllowFrom", "the trunk accepts calls from nobody; list the PBX's addresses or set Username/Password");

        if (t.Outbound is { } peer)
        {
            if (string.IsNullOrWhiteSpace(peer.Host))
                problems.Error($"{key}:Outbound:Host", "missing; name the PBX's host or address");
            else if (Uri.CheckHostName(peer.Host) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
                problems.Error($"{key}:Outbound:Host", $"'{peer.Host}' is not a host name or IP address (no scheme, port or path: the port is Outbound:Port)");
            if (peer.Port is { } port && !ListenerRules.IsPort(port))
                problems.Error($"{key}:Outbound:Port", $"{port} is not a port; use 1-65535, or leave it out to look the host up by DNS SRV");
            if (peer.Transport.ToLowerInvariant() is not ("udp" or "tcp" or "tls"))
                problems.Error($"{key}:Outbound:Transport", $"'{peer.Transport}' is not a transport; use udp, tcp or tls");
        }
        if (t.Register is { } reg)
        {
            if (string.IsNullOrWhiteSpace(reg.Registrar))
                problems.Error($"{key}:Register:Registrar", "missing; name the provider's registrar (host[:port])");
            if (string.IsNullOrWhiteSpace(reg.Username) || string.IsNullOrEmpty(reg.Password))
                problems.Error($"{key}:Register:Username", "outbound registration needs Username and Password");
            if (reg.ExpiresSeconds is < 60 or > 86400)
                problems.Error($"{key}:Register:ExpiresSeconds", $"{reg.ExpiresSeconds} is out of range; use 60-86400");
        }
        if (t.KeepaliveSeconds is < 0 or > 3600)
            problems.Error($"{key}:KeepaliveSeconds", $"{t.KeepaliveSeconds} is out of range; use 0 (off) to 3600");

        foreach (var (did, flow) in t.Dids)
        {
            if (!flowIds.Contains(flow))
                problems.Error($"{key}:Dids:{did}", $"flow '{flow}' is not defined; use one of: {PeopleAndQueueRules.Known(flowIds)}");
            if (!dids.TryAdd(did, key))
                problems.Error($"{key}:Dids:{did}", $"DID '{did}' is already routed by {dids[did]}");
        }
    }

    internal static bool TryParseNetwork(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return IPAddress.TryParse(text, out _);
        return IPNetwork.TryParse(text, out _);
    }
}
