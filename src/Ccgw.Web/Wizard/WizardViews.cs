using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Core.SelfHelp;
using Microsoft.AspNetCore.Http;

namespace Ccgw.Web.Wizard;

/// <summary>A step as one customer sees it: choices keep their authored index (what a form posts back), in the customer's order.</summary>
public sealed record PersonalStepView(string Id, string Title, string? Text, IReadOnlyList<ChoiceView> Choices, WizardEnding? Ending)
{
    public static PersonalStepView From(PersonalStep step) =>
        new(step.Step.Id, step.Step.Title, step.Step.Text, [.. step.Choices.Select(c => new ChoiceView(c.Index, c.Choice.Label, c.Choice.Next))], step.Step.Ending);
}

public sealed record ChoiceView(int Index, string Label, string Next);

/// <summary>A wizard configured to one customer (or previewed): its place in their list and its steps as they see them.</summary>
public sealed record PersonalWizardView(string Wizard, int Version, string Title, string? Product, string? Topic, PersonalWizardReason Reason,
    string Start, IReadOnlyList<PersonalStepView> Steps)
{
    public static PersonalWizardView From(PersonalWizard wizard, SelfHelpProfile profile) =>
        new(wizard.Content.Id, wizard.Version, wizard.Content.Title, wizard.Content.Product, wizard.Content.Topic, wizard.Reason,
            wizard.Content.Start, [.. wizard.Content.Steps.Select(s => PersonalStepView.From(PersonalWizards.Personalise(s, profile)))]);
}

/// <summary>A wizard's draft and published versions as the admin API shows them.</summary>
public sealed record WizardDetailView(string Wizard, WizardVersion? Published, WizardVersion? Draft);

/// <summary>Reading authored JSON: camelCase, enums by name; a type error names its JSON path (e.g. <c>steps[2].ending.kind</c>).</summary>
internal static class ContentJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken), null);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "$";
            return (default, Problems.Field(path, "not valid here: " + (e.Message.Split(" Path:", 2)[0])));
        }
    }
}

/// <summary>RFC 9457 problem JSON naming fields, as the rest of the admin API answers.</summary>
internal static class Problems
{
    public static IResult Field(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "invalid request");

    public static IResult Fields(IEnumerable<ContentProblem> problems) =>
        Results.ValidationProblem(problems.GroupBy(p => p.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
            title: "invalid content");
}
