using Ccgw.Core.Repositories;

namespace Ccgw.Core.SelfHelp;

/// <summary>
/// What the selection reads about one customer: the products they own (with purchase dates where known) and how often
/// they asked about each topic or product before (from their interaction history: queue and product of each one).
/// </summary>
public sealed record SelfHelpProfile(IReadOnlyList<CustomerProduct> Products, IReadOnlyDictionary<string, int> AskedAbout)
{
    public static readonly SelfHelpProfile Anonymous = new([], new Dictionary<string, int>());

    public bool Owns(string productCode) => Products.Any(p => string.Equals(p.Code, productCode, StringComparison.Ordinal));

    public int Asked(string topic) => AskedAbout.TryGetValue(topic, out var n) ? n : 0;

    /// <summary>Counts topics and products over the customer's past interactions (each interaction counts once per name).</summary>
    public static SelfHelpProfile From(Customer customer, IEnumerable<InteractionHistoryEntry> history)
    {
        var asked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in history)
        {
            foreach (var name in new[] { entry.QueueId, entry.Product }.Where(n => n is { Length: > 0 }).Distinct(StringComparer.Ordinal))
                asked[name!] = asked.TryGetValue(name!, out var n) ? n + 1 : 1;
        }
        return new SelfHelpProfile(customer.Products, asked);
    }
}

/// <summary>A step as one customer sees it: its choices filtered to what applies to them and ordered for them.</summary>
public sealed record PersonalStep(WizardStep Step, IReadOnlyList<(int Index, WizardChoice Choice)> Choices);

/// <summary>One wizard configured to one customer, with why it sits where it does in their list.</summary>
public sealed record PersonalWizard(WizardContent Content, int Version, PersonalWizardReason Reason)
{
    /// <summary>The step with this id as the customer sees it; null when the wizard has no such step.</summary>
    public PersonalStep? Step(string stepId, SelfHelpProfile profile) =>
        Content.Step(stepId) is { } step ? PersonalWizards.Personalise(step, profile) : null;
}

/// <summary>Why a wizard is placed where it is: the customer owns its product, asked about its topic, or neither.</summary>
public enum PersonalWizardReason
{
    OwnedProduct,
    AskedBefore,
    General,
}

/// <summary>
/// The per-customer wizard, as a pure function of the published wizards and the customer's profile. Recomputed on every
/// read from the current history, so it can never be stale: there is no cache to invalidate.
/// </summary>
public static class PersonalWizards
{
    /// <summary>
    /// Wizards for the customer's products first, most recently bought first (unknown purchase dates after known ones,
    /// then in the order they are listed on the record); then wizards about what they asked about before, most asked
    /// first; then the rest by title. Wizards about a product the customer does not own are still offered (a
    /// prospective buyer may have questions) but last among equals.
    /// </summary>
    public static IReadOnlyList<PersonalWizard> Select(IEnumerable<(WizardContent Content, int Version)> published, SelfHelpProfile profile)
    {
        var productRank = profile.Products
            .Select((p, i) => (p, i))
            .OrderByDescending(x => x.p.Since.HasValue)
            .ThenByDescending(x => x.p.Since)
            .ThenBy(x => x.i)
            .Select((x, rank) => (x.p.Code, rank))
            .GroupBy(x => x.Code, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(x => x.rank), StringComparer.Ordinal);
        return published
            .Select(w => (w.Content, w.Version, Reason: ReasonFor(w.Content, profile, productRank)))
            .OrderBy(w => w.Reason)
            .ThenBy(w => w.Reason == PersonalWizardReason.OwnedProduct ? productRank[w.Content.Product!] : 0)
            .ThenByDescending(w => w.Reason == PersonalWizardReason.AskedBefore ? Asked(w.Content, profile) : 0)
            .ThenBy(w => w.Content.Title, StringComparer.OrdinalIgnoreCase)
            .ThenBy(w => w.Content.Id, StringComparer.Ordinal)
            .Select(w => new PersonalWizard(w.Content, w.Version, w.Reason))
            .ToList();
    }

    /// <summary>
    /// A step's choices for this customer: those limited to products they do not own are left out; the rest keep their
    /// authored order, except that choices about topics they asked about before come first (most asked first).
    /// </summary>
    public static PersonalStep Personalise(WizardStep step, SelfHelpProfile profile)
    {
        var choices = (step.Choices ?? [])
            .Select((c, i) => (Index: i, Choice: c))
            .Where(x => x.Choice.Products is not { Count: > 0 } products || products.Any(profile.Owns))
            .OrderByDescending(x => (x.Choice.Topics ?? []).Select(profile.Asked).DefaultIfEmpty(0).Max())
            .ThenBy(x => x.Index)
            .ToList();
        return new PersonalStep(step, choices);
    }

    private static PersonalWizardReason ReasonFor(WizardContent w, SelfHelpProfile profile, Dictionary<string, int> productRank) =>
        w.Product is { } product && productRank.ContainsKey(product) ? PersonalWizardReason.OwnedProduct
        : Asked(w, profile) > 0 ? PersonalWizardReason.AskedBefore
        : PersonalWizardReason.General;

    private static int Asked(WizardContent w, SelfHelpProfile profile) =>
        (w.Topic is { } t ? profile.Asked(t) : 0) + (w.Product is { } p ? profile.Asked(p) : 0);
}
