using Ccgw.Core.Flows;

namespace Ccgw.Configuration;

/// <summary>Checks <c>Im:Texts</c>: each name is one of the gateway's texts and each template uses only its values.</summary>
public static class ImTextRules
{
    public static void Check(GatewayOptions o, ConfigProblems problems)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var (name, template) in o.Im.Texts)
            if (GatewayTexts.Check(name, template) is { } problem)
                problems.Error($"Im:Texts:{name}", problem);
    }
}
