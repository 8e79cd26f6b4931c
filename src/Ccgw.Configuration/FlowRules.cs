namespace Ccgw.Configuration;

/// <summary>
/// The flow rules of the configuration check, for flows provisioned at run time (issue 20): the admin API and a reload
/// check a flow with the very rules the start-up check uses, so an error names the same key
/// (<c>Flows:{id}:Steps:{step}:Next</c>) either way.
/// </summary>
public static class FlowRules
{
    /// <summary>
    /// The problems of flow <paramref name="id"/>, its prompts taken from <paramref name="promptIds"/> and its queues from
    /// <paramref name="queueIds"/> (the file's and those created at run time); empty when it is fine.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> Check(string id, FlowOptions flow, IReadOnlyCollection<string> promptIds, IReadOnlyCollection<string> queueIds)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(queueIds);
        var problems = new ConfigProblems();
        FlowAndTrunkRules.CheckFlow(promptIds, queueIds, $"Flows:{id}", id, flow, problems);
        return problems.Errors;
    }
}
