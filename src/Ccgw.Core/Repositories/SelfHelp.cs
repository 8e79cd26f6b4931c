using Ccgw.Core.SelfHelp;

namespace Ccgw.Core.Repositories;

/// <summary>Wizard versions: at most one draft and one published version per wizard; publishing retires the previous one.</summary>
public interface IWizardRepository
{
    ValueTask<IReadOnlyList<WizardSummary>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The draft (<see cref="WizardVersionStatus.Draft"/>) or published version of a wizard, null when there is none.</summary>
    ValueTask<WizardVersion?> GetAsync(string wizardId, WizardVersionStatus status, CancellationToken cancellationToken = default);

    /// <summary>Every published version, one per wizard: what customers are served.</summary>
    ValueTask<IReadOnlyList<WizardVersion>> ListPublishedAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves content as the wizard's draft (replacing an existing draft, else as the next version number).</summary>
    ValueTask<WizardVersion> SaveDraftAsync(WizardContent content, CancellationToken cancellationToken = default);

    /// <summary>Makes the draft the published version and retires the previous one; null when there is no draft.</summary>
    ValueTask<WizardVersion?> PublishAsync(string wizardId, CancellationToken cancellationToken = default);

    /// <summary>False when there was no draft.</summary>
    ValueTask<bool> DeleteDraftAsync(string wizardId, CancellationToken cancellationToken = default);
}

/// <summary>The per-product catalogue of parts and services.</summary>
public interface ICatalogueRepository
{
    ValueTask<IReadOnlyList<CatalogueItem>> ListAsync(string? product = null, CancellationToken cancellationToken = default);

    ValueTask<CatalogueItem?> GetAsync(string itemId, CancellationToken cancellationToken = default);

    ValueTask UpsertAsync(CatalogueItem item, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteAsync(string itemId, CancellationToken cancellationToken = default);
}

/// <summary>Orders placed through ccgw and their status changes.</summary>
public interface IOrderRepository
{
    ValueTask AddAsync(PlacedOrder order, CancellationToken cancellationToken = default);

    ValueTask<PlacedOrder?> GetAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>Newest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<PlacedOrder>> ListAsync(string? customerId = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the order to <paramref name="status"/> when <paramref name="allowed"/> says the move from its current status
    /// is allowed, in one transaction (so two changes cannot both pass the check); null when there is no such order.
    /// </summary>
    ValueTask<(PlacedOrder? Order, bool Moved)> ChangeStatusAsync(string orderId, OrderStatus status, DateTimeOffset at,
        Func<OrderStatus, OrderStatus, bool> allowed, CancellationToken cancellationToken = default);
}

/// <summary>The self-help trail: every wizard step a customer took, and the interaction it went to an agent with.</summary>
public interface ISelfHelpTrailRepository
{
    ValueTask<SelfHelpTrailEntry> AppendAsync(string customerId, string wizardId, int wizardVersion, string stepId, string stepTitle,
        DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// The steps that go with this interaction: those not yet given to any interaction are given to this one (so the
    /// next interaction carries them, and an offer to a second agent for the same interaction carries the same).
    /// Oldest first, at most <paramref name="limit"/> (the newest ones).
    /// </summary>
    ValueTask<IReadOnlyList<SelfHelpTrailEntry>> ClaimForInteractionAsync(string customerId, string interactionId, int limit,
        CancellationToken cancellationToken = default);

    /// <summary>The customer's trail, newest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<SelfHelpTrailEntry>> ListAsync(string customerId, int limit = 100, CancellationToken cancellationToken = default);
}
