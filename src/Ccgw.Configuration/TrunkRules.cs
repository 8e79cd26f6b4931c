namespace Ccgw.Configuration;

/// <summary>
/// The trunk and DID rules of the configuration check, for trunks and DIDs provisioned at run time (issue 20): the
/// admin API and a reload check the trunks as they would run (the file's merged with the store's) with the very rules
/// the start-up check uses, so an error names the same key (<c>Trunks:{i}:AllowFrom:0</c>) either way.
/// </summary>
public static class TrunkRules
{
    /// <summary>The problems of <paramref name="trunks"/>, DIDs routed to <paramref name="flowIds"/>; empty when they are fine.</summary>
    public static IReadOnlyList<ConfigProblem> Check(IReadOnlyList<TrunkOptions> trunks, IReadOnlyCollection<string> flowIds)
    {
        ArgumentNullException.ThrowIfNull(trunks);
        ArgumentNullException.ThrowIfNull(flowIds);
        var problems = new ConfigProblems();
        FlowAndTrunkRules.CheckTrunks(trunks, flowIds, problems);
        return problems.Errors;
    }
}
