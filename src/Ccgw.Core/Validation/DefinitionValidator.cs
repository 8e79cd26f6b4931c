using System.Globalization;

namespace Ccgw.Core;

/// <summary>One thing wrong with a definition; <see cref="Path"/> is a key path such as <c>Queues[1].Overflow.Queue</c>.</summary>
public sealed record ValidationProblem(string Path, string Message)
{
    public override string ToString() => Path + ": " + Message;
}

/// <summary>
/// Checks agent and queue definitions and routing options, reporting every problem rather than the first,
/// because the daemon's config validator reports all of them in one go.
/// </summary>
public static class DefinitionValidator
{
    public const int MinSkillLevel = 1;
    public const int MaxSkillLevel = 10;

    public static IReadOnlyList<ValidationProblem> Validate(ContactCenterDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = new List<ValidationProblem>();
        ValidateAgents(definition.Agents ?? [], problems);
        ValidateQueues(definition.Queues ?? [], problems);
        ValidateOptions(definition.Options, problems);
        return problems;
    }

    /// <summary>Problems of one agent definition (e.g. one added at run time), paths under <paramref name="path"/>.</summary>
    public static IReadOnlyList<ValidationProblem> ValidateAgent(AgentDefinition agent, string path = "Agent")
    {
        var problems = new List<ValidationProblem>();
        ValidateAgents([agent], problems);
        return [.. problems.Select(p => p with { Path = path + p.Path["Agents[0]".Length..] })];
    }

    private static void ValidateAgents(IReadOnlyList<AgentDefinition> agents, List<ValidationProblem> problems)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < agents.Count; i++)
        {
            var path = Index("Agents", i);
            var agent = agents[i];
            if (agent is null)
            {
                problems.Add(new(path, "agent is missing"));
                continue;
            }

            CheckId(agent.Id, path, "agent", seen, i, problems);
            if (agent.Skills is null)
                problems.Add(new(path + ".Skills", "skills are required (an empty map for none)"));
            CheckSkills(agent.Skills, path + ".Skills", problems);
            if (agent.Capacity is null)
            {
                problems.Add(new(path + ".Capacity", "capacity is required (voice, im, callback)"));
            }
            else
            {
                CheckCapacity(agent.Capacity.Voice, path + ".Capacity.Voice", problems);
                CheckCapacity(agent.Capacity.Im, path + ".Capacity.Im", problems);
                CheckCapacity(agent.Capacity.Callback, path + ".Capacity.Callback", problems);
                if (agent.Capacity.Voice > 1)
                    problems.Add(new(path + ".Capacity.Voice", "an agent handles at most one voice interaction at a time"));
            }

            if (agent.Blending is { MaxConcurrent: < 1 })
                problems.Add(new(path + ".Blending.MaxConcurrent", "must be at least 1"));
        }
    }

    private static void ValidateQueues(IReadOnlyList<QueueDefinition> queues, List<ValidationProblem> problems)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < queues.Count; i++)
        {
            if (queues[i] is { } q)
                CheckId(q.Id, Index("Queues", i), "queue", seen, i, problems);
        }

        for (var i = 0; i < queues.Count; i++)
        {
            var path = Index("Queues", i);
            var queue = queues[i];
            if (queue is null)
            {
                problems.Add(new(path, "queue is missing"));
                continue;
            }

            if (queue.RequiredSkills is null)
                problems.Add(new(path + ".RequiredSkills", "required skills are required (an empty map lets any agent serve)"));
            CheckSkills(queue.RequiredSkills, path + ".RequiredSkills", problems);
            if (queue.ServiceLevel is { } sl)
            {
                if (sl.Threshold <= TimeSpan.Zero)
                    problems.Add(new(path + ".ServiceLevel.Threshold", "must be positive"));
                if (!(sl.Target > 0 && sl.Target <= 1))
                    problems.Add(new(path + ".ServiceLevel.Target", "must be a fraction in (0, 1], e.g. 0.8"));
            }

            if (queue.Overflow is { } overflow)
            {
                if (overflow.After <= TimeSpan.Zero)
                    problems.Add(new(path + ".Overflow.After", "must be positive"));
                if (string.IsNullOrWhiteSpace(overflow.Queue) || !seen.ContainsKey(overflow.Queue))
                    problems.Add(new(path + ".Overflow.Queue", $"unknown queue '{overflow.Queue}'"));
                else if (string.Equals(overflow.Queue, queue.Id, StringComparison.Ordinal))
                    problems.Add(new(path + ".Overflow.Queue", "a queue cannot overflow to itself"));
            }

            if (queue.WrapUp is { } wrap && wrap < TimeSpan.Zero)
                problems.Add(new(path + ".WrapUp", "must not be negative"));

            var steps = queue.Widening ?? [];
            var previous = TimeSpan.Zero;
            for (var s = 0; s < steps.Count; s++)
            {
                var stepPath = path + Index(".Widening", s);
                var step = steps[s];
                if (step is null)
                {
                    problems.Add(new(stepPath, "step is missing"));
                    continue;
                }

                if (step.After <= previous)
                    problems.Add(new(stepPath + ".After", "steps must be positive and in increasing order of time"));
                if (step.MinimumLevel is < MinSkillLevel or > MaxSkillLevel)
                    problems.Add(new(stepPath + ".MinimumLevel", $"must be {MinSkillLevel}..{MaxSkillLevel}"));
                previous = step.After > previous ? step.After : previous;
            }

            var rules = queue.Compatibility ?? [];
            for (var r = 0; r < rules.Count; r++)
            {
                var rulePath = path + Index(".Compatibility", r);
                var rule = rules[r];
                if (rule is null)
                {
                    problems.Add(new(rulePath, "rule is missing"));
                    continue;
                }

                if (string.IsNullOrWhiteSpace(rule.AgentCapability))
                    problems.Add(new(rulePath + ".AgentCapability", "name the agent capability the matching clients need"));
                if (rule.ClientSoftware is null && rule.ClientFeature is null)
                    problems.Add(new(rulePath, "a rule matches on ClientSoftware, ClientFeature or both; set at least one"));
            }
        }
    }

    private static void ValidateOptions(RoutingOptions? options, List<ValidationProblem> problems)
    {
        if (options is null)
        {
            problems.Add(new("Options", "routing options are required"));
            return;
        }

        if (options.OfferTimeout <= TimeSpan.Zero)
            problems.Add(new("Options.OfferTimeout", "must be positive, or offers would never time out"));
        if (options.DefaultWrapUp < TimeSpan.Zero)
            problems.Add(new("Options.DefaultWrapUp", "must not be negative"));
        if (options.DeviceLostGrace < TimeSpan.Zero)
            problems.Add(new("Options.DeviceLostGrace", "must not be negative"));
        if (options.RejectCooldown < TimeSpan.Zero)
            problems.Add(new("Options.RejectCooldown", "must not be negative"));
        if (options.StatsRefreshInterval < TimeSpan.Zero)
            problems.Add(new("Options.StatsRefreshInterval", "must not be negative"));
        if (options.DefaultHandleTime <= TimeSpan.Zero)
            problems.Add(new("Options.DefaultHandleTime", "must be positive"));
    }

    private static void CheckId(string? id, string path, string what, Dictionary<string, int> seen, int index, List<ValidationProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            problems.Add(new(path + ".Id", $"{what} id is required"));
        }
        else if (!seen.TryAdd(id, index))
        {
            problems.Add(new(path + ".Id", $"duplicate {what} id '{id}' (first at index {seen[id].ToString(CultureInfo.InvariantCulture)})"));
        }
    }

    private static void CheckSkills(IReadOnlyDictionary<string, int>? skills, string path, List<ValidationProblem> problems)
    {
        if (skills is null)
            return;
        foreach (var (skill, level) in skills)
        {
            if (string.IsNullOrWhiteSpace(skill))
                problems.Add(new(path, "skill name is empty"));
            else if (level is < MinSkillLevel or > MaxSkillLevel)
                problems.Add(new(path + "." + skill, $"level {level.ToString(CultureInfo.InvariantCulture)} is outside {MinSkillLevel}..{MaxSkillLevel}"));
        }
    }

    private static void CheckCapacity(int value, string path, List<ValidationProblem> problems)
    {
        if (value < 0)
            problems.Add(new(path, "capacity must not be negative"));
    }

    private static string Index(string name, int i) => name + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
}
