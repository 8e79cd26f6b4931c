using System.Buffers;

namespace Ccgw.Core.SelfHelp;

/// <summary>A problem with authored content, named by its JSON path (e.g. <c>steps[2].choices[0].next</c>).</summary>
public sealed record ContentProblem(string Path, string Message);

/// <summary>
/// Refuses wizard content a customer could not walk: a missing or unknown start, references to unknown steps, steps
/// nobody can reach, loops with no way out to an ending, oversized text, and endings that lack what they need. Every
/// problem names the field by its JSON path, as the admin API reports it.
/// </summary>
public static class WizardValidator
{
    public const int MaxSteps = 200;
    public const int MaxChoices = 12;
    public const int MaxTitleLength = 200;
    public const int MaxTextLength = 4000;
    public const int MaxIdLength = 64;

    private static readonly SearchValues<char> IdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>True when <paramref name="id"/> is 1–64 of a–z, 0–9, '-' and '_' (safe in URLs, file names and topics).</summary>
    public static bool IsId(string? id) => id is { Length: > 0 and <= MaxIdLength } && !id.AsSpan().ContainsAnyExcept(IdChars);

    /// <summary>
    /// A relative path under the content directory: no rooted path, no <c>..</c> or empty segment, no backslash. The
    /// file server checks again after resolving (a symlink could still point out; it refuses that too).
    /// </summary>
    public static bool IsContentPath(string? path) =>
        path is { Length: > 0 and <= 256 } && !path.StartsWith('/') && !path.Contains('\\', StringComparison.Ordinal)
        && !path.Contains('\0', StringComparison.Ordinal)
        && path.Split('/').All(segment => segment.Length > 0 && segment is not ("." or ".."));

    public static IReadOnlyList<ContentProblem> Validate(WizardContent? content, Func<string, bool>? catalogueItemExists = null)
    {
        var problems = new List<ContentProblem>();
        if (content is null)
        {
            problems.Add(new ContentProblem("$", "give the wizard as a JSON object"));
            return problems;
        }
        if (!IsId(content.Id)) problems.Add(new ContentProblem("id", "use 1-64 characters of a-z, 0-9, '-' and '_'"));
        Text(problems, "title", content.Title, MaxTitleLength, required: true);
        if (content.Product is not null && !IsId(content.Product)) problems.Add(new ContentProblem("product", "a product code: 1-64 of a-z, 0-9, '-' and '_'"));
        if (content.Topic is not null && !IsId(content.Topic)) problems.Add(new ContentProblem("topic", "a topic: 1-64 of a-z, 0-9, '-' and '_'"));
        var steps = content.Steps ?? [];
        if (steps.Count == 0) problems.Add(new ContentProblem("steps", "give at least one step"));
        if (steps.Count > MaxSteps) problems.Add(new ContentProblem("steps", $"at most {MaxSteps} steps"));

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = $"steps[{i}]";
            if (step is null)
            {
                problems.Add(new ContentProblem(at, "a step is an object"));
                continue;
            }
            if (!IsId(step.Id)) problems.Add(new ContentProblem($"{at}.id", "use 1-64 characters of a-z, 0-9, '-' and '_'"));
            else if (!index.TryAdd(step.Id, i)) problems.Add(new ContentProblem($"{at}.id", $"'{step.Id}' is already the id of steps[{index[step.Id]}]"));
        }

        if (string.IsNullOrEmpty(content.Start)) problems.Add(new ContentProblem("start", "name the first step"));
        else if (!index.ContainsKey(content.Start)) problems.Add(new ContentProblem("start", $"no step has the id '{content.Start}'"));

        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not { } step) continue;
            var at = $"steps[{i}]";
            Text(problems, $"{at}.title", step.Title, MaxTitleLength, required: true);
            Text(problems, $"{at}.text", step.Text, MaxTextLength, required: false);
            var choices = step.Choices ?? [];
            if (choices.Count == 0 && step.Ending is null)
                problems.Add(new ContentProblem(at, "a step needs choices leading on, or an ending"));
            if (choices.Count > MaxChoices) problems.Add(new ContentProblem($"{at}.choices", $"at most {MaxChoices} choices"));
            for (var j = 0; j < choices.Count; j++)
            {
                var c = choices[j];
                var cat = $"{at}.choices[{j}]";
                if (c is null)
                {
                    problems.Add(new ContentProblem(cat, "a choice is an object"));
                    continue;
                }
                Text(problems, $"{cat}.label", c.Label, MaxTitleLength, required: true);
                if (string.IsNullOrEmpty(c.Next)) problems.Add(new ContentProblem($"{cat}.next", "name the step this choice leads to"));
                else if (!index.ContainsKey(c.Next)) problems.Add(new ContentProblem($"{cat}.next", $"no step has the id '{c.Next}'"));
                Codes(problems, $"{cat}.products", c.Products);
                Codes(problems, $"{cat}.topics", c.Topics);
            }
            if (step.Ending is { } ending) Ending(problems, $"{at}.ending", ending, catalogueItemExists);
        }
        if (problems.Count == 0) Reachability(problems, content, index);
        return problems;
    }

    private static void Ending(List<ContentProblem> problems, string at, WizardEnding ending, Func<string, bool>? catalogueItemExists)
    {
        if (!Enum.IsDefined(ending.Kind)) problems.Add(new ContentProblem($"{at}.kind", "use answer, download, order or liveHelp"));
        Text(problems, $"{at}.text", ending.Text, MaxTextLength, required: ending.Kind == WizardEndingKind.Answer);
        switch (ending.Kind)
        {
            case WizardEndingKind.Download when !IsContentPath(ending.File):
                problems.Add(new ContentProblem($"{at}.file", "a relative path under the content directory (no '..', no leading '/')"));
                break;
            case WizardEndingKind.Order when !IsId(ending.CatalogueItem):
                problems.Add(new ContentProblem($"{at}.catalogueItem", "name the catalogue item offered"));
                break;
            case WizardEndingKind.Order when catalogueItemExists is not null && !catalogueItemExists(ending.CatalogueItem!):
                problems.Add(new ContentProblem($"{at}.catalogueItem", $"no catalogue item '{ending.CatalogueItem}'"));
                break;
            case WizardEndingKind.LiveHelp when ending.Topic is not null && !IsId(ending.Topic):
                problems.Add(new ContentProblem($"{at}.topic", "a topic: 1-64 of a-z, 0-9, '-' and '_'"));
                break;
        }
    }

    /// <summary>
    /// Every step must be reachable from the start, and from every step some ending must be reachable: a loop is
    /// allowed ("back to the start") as long as it has a way out, since a customer in a loop without one is stuck.
    /// </summary>
    private static void Reachability(List<ContentProblem> problems, WizardContent content, Dictionary<string, int> index)
    {
        var steps = content.Steps;
        var reached = new bool[steps.Count];
        var stack = new Stack<int>();
        stack.Push(index[content.Start]);
        while (stack.TryPop(out var i))
        {
            if (reached[i]) continue;
            reached[i] = true;
            foreach (var c in steps[i].Choices ?? []) stack.Push(index[c.Next]);
        }
        // Backwards from every ending: the steps that can still reach one.
        var canEnd = new bool[steps.Count];
        bool changed;
        do
        {
            changed = false;
            for (var i = 0; i < steps.Count; i++)
            {
                if (canEnd[i]) continue;
                if (steps[i].Ending is not null || (steps[i].Choices ?? []).Any(c => canEnd[index[c.Next]]))
                {
                    canEnd[i] = true;
                    changed = true;
                }
            }
        }
        while (changed);
        for (var i = 0; i < steps.Count; i++)
        {
            if (!reached[i]) problems.Add(new ContentProblem($"steps[{i}]", $"no choice leads to '{steps[i].Id}' from the start"));
            else if (!canEnd[i]) problems.Add(new ContentProblem($"steps[{i}]", $"from '{steps[i].Id}' no ending can be reached (a loop without a way out)"));
        }
    }

    private static void Text(List<ContentProblem> problems, string at, string? text, int max, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) problems.Add(new ContentProblem(at, "required"));
            return;
        }
        if (text.Length > max) problems.Add(new ContentProblem(at, $"at most {max} characters ({text.Length} given)"));
        if (text.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')))
            problems.Add(new ContentProblem(at, "control characters are not allowed"));
    }

    private static void Codes(List<ContentProblem> problems, string at, IReadOnlyList<string>? codes)
    {
        if (codes is null) return;
        if (codes.Count > 20) problems.Add(new ContentProblem(at, "at most 20"));
        for (var k = 0; k < codes.Count; k++)
            if (!IsId(codes[k])) problems.Add(new ContentProblem($"{at}[{k}]", "1-64 of a-z, 0-9, '-' and '_'"));
    }
}
