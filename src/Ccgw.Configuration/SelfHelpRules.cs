using Ccgw.Core.SelfHelp;

namespace Ccgw.Configuration;

/// <summary>
/// SelfHelp: the seed file exists, the content directory exists, the order window is a sane number of days; each topic's
/// documents name a known queue, have a title, and point to an existing file inside the content directory; each topic's
/// automated call-back flow (TopicFlows) names a known queue and a configured flow.
/// </summary>
internal static class SelfHelpRules
{
    public const int MaxDocumentTitleLength = 200;

    public static void Check(SelfHelpOptions o, ConfigContext context, ConfigProblems problems, IReadOnlyCollection<string>? queueIds = null,
        IReadOnlyCollection<string>? flowIds = null)
    {
        if (o.SeedFile is { Length: > 0 } seed)
            context.RequireFile("SelfHelp:SeedFile", seed, problems);
        var contentOk = false;
        if (o.ContentDirectory is { Length: > 0 } content)
        {
            if (!Directory.Exists(context.Resolve(content)))
                problems.Error("SelfHelp:ContentDirectory", $"'{content}' ({context.Resolve(content)}) is not a directory");
            else contentOk = true;
        }
        if (o.OrderWindowDays is < 1 or > 3650)
            problems.Error("SelfHelp:OrderWindowDays", $"{o.OrderWindowDays} is out of range; use 1 to 3650 days");
        CheckTopicDocuments(o, context, problems, queueIds, contentOk);
        CheckTopicFlows(o, problems, queueIds, flowIds);
    }

    /// <summary>Each automated call-back topic is a known queue and names a configured flow.</summary>
    private static void CheckTopicFlows(SelfHelpOptions o, ConfigProblems problems, IReadOnlyCollection<string>? queueIds,
        IReadOnlyCollection<string>? flowIds)
    {
        foreach (var (topic, flow) in o.TopicFlows)
        {
            var key = $"SelfHelp:TopicFlows:{topic}";
            if (queueIds is not null && !queueIds.Contains(topic, StringComparer.OrdinalIgnoreCase))
                problems.Error(key, $"'{topic}' is not a queue id; topics are {string.Join(", ", queueIds)}");
            if (string.IsNullOrWhiteSpace(flow))
                problems.Error(key, "name the flow (a key of Flows) the automated call-back runs");
            else if (flowIds is not null && !flowIds.Contains(flow, StringComparer.Ordinal))
                problems.Error(key, $"'{flow}' is not a flow; flows are {string.Join(", ", flowIds)}");
        }
    }

    private static void CheckTopicDocuments(SelfHelpOptions o, ConfigContext context, ConfigProblems problems,
        IReadOnlyCollection<string>? queueIds, bool contentOk)
    {
        if (o.TopicDocuments.Count == 0) return;
        if (o.ContentDirectory is not { Length: > 0 })
        {
            problems.Error("SelfHelp:TopicDocuments", "needs SelfHelp:ContentDirectory, the directory the documents are served from");
            return;
        }
        foreach (var (topic, documents) in o.TopicDocuments)
        {
            var key = $"SelfHelp:TopicDocuments:{topic}";
            if (queueIds is not null && !queueIds.Contains(topic, StringComparer.OrdinalIgnoreCase))
                problems.Error(key, $"'{topic}' is not a queue id; topics are {string.Join(", ", queueIds)}");
            for (var i = 0; i < documents.Count; i++)
            {
                var d = documents[i];
                if (string.IsNullOrWhiteSpace(d.Title) || d.Title.Length > MaxDocumentTitleLength || d.Title.Any(char.IsControl))
                    problems.Error($"{key}:{i}:Title", $"give the link's text, 1 to {MaxDocumentTitleLength} characters without control characters");
                if (!WizardValidator.IsContentPath(d.Path))
                    problems.Error($"{key}:{i}:Path", $"'{d.Path}' is not a relative path inside SelfHelp:ContentDirectory (no '..', no leading '/')");
                else if (contentOk && !File.Exists(context.Resolve(o.ContentDirectory, d.Path)))
                    problems.Error($"{key}:{i}:Path", $"'{d.Path}' ({context.Resolve(o.ContentDirectory, d.Path)}) does not exist");
            }
        }
    }
}
