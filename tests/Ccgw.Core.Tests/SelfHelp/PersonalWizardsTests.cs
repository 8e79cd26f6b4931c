using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using FsCheck;
using FsCheck.Fluent;
using static Ccgw.Core.Tests.SelfHelp.WizardSamples;

namespace Ccgw.Core.Tests.SelfHelp;

public sealed class PersonalWizardsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static SelfHelpProfile Profile(IReadOnlyList<CustomerProduct> products, params (string Topic, int Times)[] asked) =>
        new(products, asked.ToDictionary(a => a.Topic, a => a.Times));

    private static IReadOnlyList<string> Order(SelfHelpProfile profile, params WizardContent[] wizards) =>
        [.. PersonalWizards.Select(wizards.Select(w => (w, 1)), profile).Select(w => w.Content.Id)];

    private static readonly WizardContent FibreW = Fibre("fibre", "fibre-500", title: "Fibre");
    private static readonly WizardContent MobileW = Fibre("mobile", "mobile-plus", title: "Mobile");
    private static readonly WizardContent TvW = Fibre("tv", "tv-box", title: "TV");
    private static readonly WizardContent BillingW = Fibre("bills", null, "billing", title: "Bills");
    private static readonly WizardContent MovingW = Fibre("moving", null, "moving", title: "Moving house");

    [Fact]
    public void The_customers_products_come_first_most_recent_purchase_first()
    {
        var profile = Profile([new CustomerProduct("fibre-500", "Fibre 500", T0.AddDays(-300)), new CustomerProduct("mobile-plus", "Mobile Plus", T0.AddDays(-10))]);
        Assert.Equal(["mobile", "fibre", "bills", "moving", "tv"], Order(profile, TvW, MovingW, FibreW, BillingW, MobileW));
        var reasons = PersonalWizards.Select([(FibreW, 1), (BillingW, 1)], profile).Select(w => w.Reason);
        Assert.Equal([PersonalWizardReason.OwnedProduct, PersonalWizardReason.General], reasons);
    }

    [Fact]
    public void Products_without_a_purchase_date_follow_dated_ones_in_record_order()
    {
        var profile = Profile([new CustomerProduct("tv-box", "TV"), new CustomerProduct("fibre-500", "Fibre 500"), new CustomerProduct("mobile-plus", "Mobile", T0)]);
        Assert.Equal(["mobile", "tv", "fibre"], Order(profile, FibreW, MobileW, TvW));
    }

    [Fact]
    public void What_the_customer_asked_about_before_comes_next_most_asked_first_and_follows_the_history()
    {
        var none = Profile([]);
        Assert.Equal(["bills", "moving"], Order(none, BillingW, MovingW));
        Assert.Equal(["moving", "bills"], Order(Profile([], ("billing", 1), ("moving", 3)), BillingW, MovingW));

        // Recomputed from the history on every read: one more billing interaction and the order changes.
        var customer = new Customer("c", "C", [], [], [], []);
        InteractionHistoryEntry E(string queue) => new($"i-{Guid.NewGuid():N}", InteractionChannel.Voice, queue, "c", null, null, null,
            InteractionState.Ended, T0, null, T0);
        var before = SelfHelpProfile.From(customer, [E("moving"), E("moving"), E("billing")]);
        var after = SelfHelpProfile.From(customer, [E("moving"), E("moving"), E("billing"), E("billing"), E("billing")]);
        Assert.Equal(["moving", "bills"], Order(before, BillingW, MovingW));
        Assert.Equal(["bills", "moving"], Order(after, BillingW, MovingW));
    }

    [Fact]
    public void Choices_for_products_the_customer_lacks_are_left_out_and_asked_about_topics_come_first()
    {
        var start = Fibre().Steps[0];
        var owner = PersonalWizards.Personalise(start, Profile([new CustomerProduct("fibre-500", "Fibre 500")], ("billing", 2), ("sales", 1)));
        Assert.Equal([3, 2, 0, 1], owner.Choices.Select(c => c.Index));
        var stranger = PersonalWizards.Personalise(start, Profile([]));
        Assert.Equal([0, 1, 3], stranger.Choices.Select(c => c.Index));
    }

    [Fact]
    public void Selection_keeps_every_wizard_once_and_groups_owned_then_asked_then_general()
    {
        var codes = new[] { "a", "b", "c", "d", "e" };
        var gen =
            from wizardProducts in Gen.Elements(codes).ArrayOf()
            from owned in Gen.Elements(codes).ArrayOf()
            from days in Gen.Choose(0, 400).ArrayOf(owned.Length)
            from asked in Gen.Elements(codes).ArrayOf()
            select (wizardProducts, owned, days, asked);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Arb.From(gen), g =>
        {
            var wizards = g.wizardProducts.Select((p, i) => (Fibre($"w{i}", p, title: $"W{i}"), i + 1)).ToList();
            var profile = new SelfHelpProfile([.. g.owned.Select((p, i) => new CustomerProduct(p, p, T0.AddDays(-g.days[i])))],
                g.asked.GroupBy(a => a).ToDictionary(x => x.Key, x => x.Count()));
            var result = PersonalWizards.Select(wizards, profile);
            Assert.Equal(wizards.Select(w => w.Item1.Id).Order(), result.Select(w => w.Content.Id).Order());
            Assert.Equal(result.Select(w => w.Reason).Order(), result.Select(w => w.Reason));
            Assert.All(result, w => Assert.Equal(w.Reason == PersonalWizardReason.OwnedProduct, profile.Owns(w.Content.Product!)));
        }));
    }
}
