namespace Ccgw.Core.SelfHelp;

/// <summary>How a step ends the walk: with an answer, a file to download, an order, or a hand-over to live help.</summary>
public enum WizardEndingKind
{
    Answer,
    Download,
    Order,
    LiveHelp,
}

/// <summary>
/// A choice offered on a step. <see cref="Products"/> (product codes) limits it to customers who own one of them;
/// <see cref="Topics"/> names what it is about, so customers who asked about that before see it first.
/// </summary>
public sealed record WizardChoice(string Label, string Next, IReadOnlyList<string>? Products = null, IReadOnlyList<string>? Topics = null);

/// <summary>
/// The end of a walk. <see cref="Text"/> is the answer (or a note beside the other kinds); <see cref="File"/> a path
/// relative to the content directory (Download); <see cref="CatalogueItem"/> the item offered (Order);
/// <see cref="Topic"/> the help form's topic (LiveHelp: the seam issue 18 replaces with chat, IVR and call-backs).
/// </summary>
public sealed record WizardEnding(WizardEndingKind Kind, string? Text = null, string? File = null, string? CatalogueItem = null, string? Topic = null);

/// <summary>One page of the wizard: text and either choices leading on, or an ending (or both: an answer with "still stuck?").</summary>
public sealed record WizardStep(string Id, string Title, string? Text, IReadOnlyList<WizardChoice>? Choices = null, WizardEnding? Ending = null);

/// <summary>
/// One wizard as staff author it: about a product (a product code, so owners see it first) or a topic (the queue or
/// help topic customers ask about). Stored as versions: at most one draft and one published version at a time.
/// </summary>
public sealed record WizardContent(string Id, string Title, string? Product, string? Topic, string Start, IReadOnlyList<WizardStep> Steps)
{
    public WizardStep? Step(string id) => Steps.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));
}

/// <summary>A version's place in its life: a draft is edited and previewed, the published one is served, retired ones are kept.</summary>
public enum WizardVersionStatus
{
    Draft,
    Published,
    Retired,
}

/// <summary>One stored version of a wizard.</summary>
public sealed record WizardVersion(string WizardId, int Version, WizardVersionStatus Status, WizardContent Content,
    DateTimeOffset SavedAt, DateTimeOffset? PublishedAt);

/// <summary>A wizard's line in the list: its published and draft versions (null when there is none).</summary>
public sealed record WizardSummary(string WizardId, string Title, int? PublishedVersion, int? DraftVersion, DateTimeOffset? PublishedAt);
