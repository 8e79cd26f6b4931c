using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>Wizard versions, the trail, the catalogue and orders on each engine's real database, and the core's desks over them.</summary>
public abstract class SelfHelpStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private IWizardRepository _wizards = null!;
    private ISelfHelpTrailRepository _trail = null!;
    private ICatalogueRepository _catalogue = null!;
    private IOrderRepository _orders = null!;
    private ICustomerRepository _customers = null!;
    private IInteractionHistoryRepository _history = null!;

    protected ManualTimeProvider Time { get; } = new(T0);

    /// <summary>The engine's repositories on this test's own migrated database.</summary>
    protected abstract Task<(IWizardRepository Wizards, ISelfHelpTrailRepository Trail, ICatalogueRepository Catalogue, IOrderRepository Orders,
        ICustomerRepository Customers, IInteractionHistoryRepository History)> StartAsync();

    public abstract Task DisposeAsync();

    public async Task InitializeAsync()
    {
        (_wizards, _trail, _catalogue, _orders, _customers, _history) = await StartAsync();
        await _customers.UpsertAsync(new Customer("carol", "Carol Clark", ["+15550100"], [],
            [new CustomerProduct("fibre-500", "Fibre 500", T0.AddDays(-20)), new CustomerProduct("mobile-plus", "Mobile Plus", T0.AddDays(-400))],
            [new CustomerOrder("A-1001", "installed", T0.AddDays(-90), "fibre-500")]));
        await _catalogue.UpsertAsync(new CatalogueItem("psu", "fibre-500", CatalogueItemKind.Part, "Power supply", null, 1900, "EUR"));
        await _catalogue.UpsertAsync(new CatalogueItem("sim", "mobile-plus", CatalogueItemKind.Part, "Spare SIM"));
    }

    private static WizardContent Wizard(string startTitle, params WizardStep[] more) => new("fibre-help", "Fibre help", "fibre-500", null, "start",
        [new WizardStep("start", startTitle, null, [new WizardChoice("Order", "order")]),
         new WizardStep("order", "Order a power supply", null, Ending: new WizardEnding(WizardEndingKind.Order, CatalogueItem: "psu")), .. more]);

    private WizardDesk Desk() => new(_wizards, _customers, _history, _trail, Time);

    [SkippableFact]
    public async Task A_draft_is_never_served_and_publishing_replaces_the_served_version_keeping_the_old_one()
    {
        Assert.Empty(await _wizards.ListAsync());
        Assert.Equal(1, (await _wizards.SaveDraftAsync(Wizard("First"))).Version);
        Assert.Empty(await _wizards.ListPublishedAsync());
        Assert.Empty((await Desk().ForCustomerAsync("carol"))!.Value.Wizards);
        Assert.Equal(WizardWalkError.UnknownWizard, (await Desk().StartAsync("carol", "fibre-help")).Error);

        var published = await _wizards.PublishAsync("fibre-help");
        Assert.Equal((1, WizardVersionStatus.Published), (published!.Version, published.Status));
        Assert.Null(await _wizards.GetAsync("fibre-help", WizardVersionStatus.Draft));

        // Editing after publishing makes version 2 a draft; saving it again edits the same draft; customers still get v1.
        Assert.Equal(2, (await _wizards.SaveDraftAsync(Wizard("Second"))).Version);
        Assert.Equal(2, (await _wizards.SaveDraftAsync(Wizard("Second, edited"))).Version);
        var served = Assert.Single((await Desk().ForCustomerAsync("carol"))!.Value.Wizards);
        Assert.Equal((1, "First"), (served.Version, served.Content.Steps[0].Title));
        Assert.Equal(new WizardSummary("fibre-help", "Fibre help", 1, 2, T0), Assert.Single(await _wizards.ListAsync()));

        await _wizards.PublishAsync("fibre-help");
        served = Assert.Single((await Desk().ForCustomerAsync("carol"))!.Value.Wizards);
        Assert.Equal((2, "Second, edited"), (served.Version, served.Content.Steps[0].Title));
        Assert.Null(await _wizards.PublishAsync("fibre-help")); // no draft left

        await _wizards.SaveDraftAsync(Wizard("Third"));
        Assert.True(await _wizards.DeleteDraftAsync("fibre-help"));
        Assert.False(await _wizards.DeleteDraftAsync("fibre-help"));
        Assert.Equal(2, Assert.Single(await _wizards.ListPublishedAsync()).Version);
    }

    [SkippableFact]
    public async Task Steps_are_recorded_and_go_with_the_next_interaction_only()
    {
        await _wizards.SaveDraftAsync(Wizard("Start"));
        await _wizards.PublishAsync("fibre-help");
        var desk = Desk();
        var (start, _) = await desk.StartAsync("carol", "fibre-help");
        Time.Advance(TimeSpan.FromSeconds(5));
        var (order, error) = await desk.ChooseAsync("carol", "fibre-help", "start", 0);
        Assert.Equal(WizardWalkError.None, error);
        Assert.Equal(WizardEndingKind.Order, order!.Step.Step.Ending!.Kind);
        Assert.Equal(WizardWalkError.ChoiceNotOffered, (await desk.ChooseAsync("carol", "fibre-help", "start", 7)).Error);
        Assert.Equal(WizardWalkError.UnknownCustomer, (await desk.StartAsync("mallory", "fibre-help")).Error);

        var briefing = new SelfHelpBriefing(_trail, _orders, Time);
        var first = await briefing.ForOfferAsync("carol", "i-1");
        Assert.Equal(["start", "order"], first.Trail.Select(t => t.StepId));
        Assert.Equal([T0, T0.AddSeconds(5)], first.Trail.Select(t => t.At));
        // A second agent offered the same interaction sees the same steps; the next interaction sees none of them.
        Assert.Equal(["start", "order"], (await briefing.ForOfferAsync("carol", "i-1")).Trail.Select(t => t.StepId));
        Assert.Empty((await briefing.ForOfferAsync("carol", "i-2")).Trail);
        Assert.All(await _trail.ListAsync("carol"), t => Assert.Equal("i-1", t.InteractionId));
        Assert.Equal(start!.Recorded.Id, (await _trail.ListAsync("carol"))[^1].Id);
    }

    [SkippableFact]
    public async Task Orders_are_offered_for_recent_products_and_keep_every_status_change()
    {
        var desk = new OrderDesk(_customers, _catalogue, _orders, Time, TimeSpan.FromDays(90));
        Assert.Equal(["psu"], (await desk.OfferAsync("carol"))!.Select(i => i.Id)); // mobile-plus is 400 days old
        Assert.Equal(OrderError.NotOffered, (await desk.PlaceAsync("carol", "sim", 1)).Error);
        Assert.Equal(OrderError.UnknownItem, (await desk.PlaceAsync("carol", "nope", 1)).Error);
        Assert.Equal(OrderError.BadQuantity, (await desk.PlaceAsync("carol", "psu", 0)).Error);

        var (order, error) = await desk.PlaceAsync("carol", "psu", 2);
        Assert.Equal(OrderError.None, error);
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(OrderError.NotAllowed, (await desk.ChangeStatusAsync(order!.OrderId, OrderStatus.Delivered)).Error);
        var (confirmed, _) = await desk.ChangeStatusAsync(order.OrderId, OrderStatus.Confirmed);
        Assert.Equal([(OrderStatus.Placed, T0), (OrderStatus.Confirmed, T0.AddHours(1))], confirmed!.History.Select(h => (h.Status, h.At)));
        Assert.Equal(OrderError.UnknownOrder, (await desk.ChangeStatusAsync("W-0", OrderStatus.Confirmed)).Error);

        // The customer record shows it beside the seeded order, and writing the record back does not copy it.
        var carol = (await _customers.GetAsync("carol"))!;
        Assert.Equal(["A-1001", order.OrderId], carol.Orders.Select(o => o.OrderId));
        Assert.Equal("confirmed", carol.Orders[1].Status);
        await _customers.UpsertAsync(carol);
        Assert.Equal(["A-1001", order.OrderId], (await _customers.GetAsync("carol"))!.Orders.Select(o => o.OrderId));

        var recent = (await new SelfHelpBriefing(_trail, _orders, Time).ForOfferAsync("carol", "i-9")).Orders;
        Assert.Equal((order.OrderId, 2, OrderStatus.Confirmed), (Assert.Single(recent).OrderId, recent[0].Quantity, recent[0].Status));
    }

    [SkippableFact]
    public async Task The_catalogue_is_listed_per_product_and_items_are_replaced_and_deleted_by_id()
    {
        await _catalogue.UpsertAsync(new CatalogueItem("psu", "fibre-500", CatalogueItemKind.Part, "Power supply 12 V", "new", 2100, "EUR"));
        Assert.Equal("Power supply 12 V", (await _catalogue.GetAsync("psu"))!.Name);
        Assert.Equal(["psu"], (await _catalogue.ListAsync("fibre-500")).Select(i => i.Id));
        Assert.Equal(2, (await _catalogue.ListAsync()).Count);
        Assert.True(await _catalogue.DeleteAsync("sim"));
        Assert.False(await _catalogue.DeleteAsync("sim"));
    }
}

public sealed class SqliteSelfHelpStoreTests : SelfHelpStoreTests
{
    private readonly MigratedDatabase _db = new();

    protected override async Task<(IWizardRepository, ISelfHelpTrailRepository, ICatalogueRepository, IOrderRepository, ICustomerRepository,
        IInteractionHistoryRepository)> StartAsync()
    {
        await _db.InitializeAsync();
        return (new SqliteWizardRepository(_db.Database, Time), new SqliteSelfHelpTrailRepository(_db.Database),
            new SqliteCatalogueRepository(_db.Database, Time), new SqliteOrderRepository(_db.Database),
            new SqliteCustomerRepository(_db.Database, Time), new SqliteInteractionHistoryRepository(_db.Database));
    }

    public override Task DisposeAsync() => _db.DisposeAsync();
}

[Collection("postgres")]
public sealed class PostgresSelfHelpStoreTests(PostgresServerFixture postgres) : SelfHelpStoreTests
{
    private readonly MigratedPostgres _db = new(postgres);

    protected override async Task<(IWizardRepository, ISelfHelpTrailRepository, ICatalogueRepository, IOrderRepository, ICustomerRepository,
        IInteractionHistoryRepository)> StartAsync()
    {
        await _db.InitializeAsync();
        return (new PostgresWizardRepository(_db.Database, Time), new PostgresSelfHelpTrailRepository(_db.Database),
            new PostgresCatalogueRepository(_db.Database, Time), new PostgresOrderRepository(_db.Database),
            new PostgresCustomerRepository(_db.Database, Time), new NoHistory());
    }

    public override Task DisposeAsync() => _db.DisposeAsync();

    [SkippableFact]
    public async Task Two_editors_saving_one_wizard_at_once_edit_one_draft()
    {
        var content = new WizardContent("w", "W", "fibre-500", null, "s", [new WizardStep("s", "S", null, Ending: new WizardEnding(WizardEndingKind.Order, CatalogueItem: "psu"))]);
        await using var other = new PostgresDatabase(_db.ConnectionString);

        var saved = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            new PostgresWizardRepository(i % 2 == 0 ? _db.Database : other, Time).SaveDraftAsync(content with { Title = $"W{i}" }).AsTask()));

        Assert.All(saved, v => Assert.Equal(1, v.Version));
        Assert.Equal(1, Assert.Single(await new PostgresWizardRepository(_db.Database, Time).ListAsync()).DraftVersion);
    }

    [SkippableFact]
    public async Task Racing_status_changes_of_one_order_are_numbered_one_after_the_other()
    {
        var orders = new PostgresOrderRepository(_db.Database);
        await orders.AddAsync(new PlacedOrder("W-1", "carol", "psu", "fibre-500", "Power supply", 1, OrderStatus.Placed, T0,
            [new OrderStatusChange(OrderStatus.Placed, T0)]));

        // Both may move an order to itself (a repeated "confirmed" from two clerks); each change gets its own number.
        var moved = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            orders.ChangeStatusAsync("W-1", OrderStatus.Confirmed, T0.AddMinutes(i + 1), (_, _) => true).AsTask()));

        Assert.All(moved, m => Assert.True(m.Moved));
        Assert.Equal(5, (await orders.GetAsync("W-1"))!.History.Count);
    }

    /// <summary>
    /// No interaction history is written by these tests; the daemon's PostgreSQL history repository is ported separately
    /// (issue 22, wt-pgcore) and should replace this once it is in.
    /// </summary>
    private sealed class NoHistory : IInteractionHistoryRepository
    {
        public ValueTask AppendAsync(InteractionHistoryEntry entry, IReadOnlyList<InteractionHistoryEvent> events, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("these tests write no history");

        public ValueTask AppendAsync(IReadOnlyList<InteractionHistoryAppend> appends, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("these tests write no history");

        public ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<InteractionHistoryEntry>>([]);

        public ValueTask<IReadOnlyList<InteractionHistoryEvent>> GetEventsAsync(string interactionId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<InteractionHistoryEvent>>([]);
    }
}
