using Ccgw.Core.Repositories;

namespace Ccgw.Core.SelfHelp;

/// <summary>Where a customer stands in a wizard after starting it or taking a choice.</summary>
public sealed record WizardWalk(PersonalWizard Wizard, PersonalStep Step, SelfHelpTrailEntry Recorded);

/// <summary>Why a step was not taken.</summary>
public enum WizardWalkError
{
    None,
    UnknownCustomer,
    UnknownWizard,
    UnknownStep,
    ChoiceNotOffered,
}

/// <summary>
/// The customer's side of the wizard: which published wizards they see (computed on every read from their record and
/// history, so it follows every change), starting one and taking a choice, each step recorded on their trail. Only
/// published versions are ever walked: a draft never reaches a customer.
/// </summary>
public sealed class WizardDesk(IWizardRepository wizards, ICustomerRepository customers, IInteractionHistoryRepository history,
    ISelfHelpTrailRepository trail, TimeProvider time)
{
    /// <summary>How much history the selection reads: enough to know what someone asks about, bounded per request.</summary>
    public const int HistoryDepth = 200;

    public async ValueTask<(SelfHelpProfile Profile, IReadOnlyList<PersonalWizard> Wizards)?> ForCustomerAsync(string customerId,
        CancellationToken cancellationToken = default)
    {
        if (await ProfileAsync(customerId, cancellationToken) is not { } profile) return null;
        var published = await wizards.ListPublishedAsync(cancellationToken);
        return (profile, PersonalWizards.Select(published.Select(v => (v.Content, v.Version)), profile));
    }

    /// <summary>A draft as a customer would see it (the admin API's preview): never recorded, never served.</summary>
    public async ValueTask<PersonalWizard?> PreviewAsync(WizardVersion version, string? customerId, CancellationToken cancellationToken = default)
    {
        var profile = customerId is null ? SelfHelpProfile.Anonymous : await ProfileAsync(customerId, cancellationToken);
        return profile is null ? null : PersonalWizards.Select([(version.Content, version.Version)], profile)[0];
    }

    public async ValueTask<SelfHelpProfile?> ProfileAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (await customers.GetAsync(customerId, cancellationToken) is not { } customer) return null;
        var past = await history.QueryAsync(new InteractionHistoryQuery(CustomerId: customerId, Limit: HistoryDepth), cancellationToken);
        return SelfHelpProfile.From(customer, past);
    }

    public ValueTask<(WizardWalk? Walk, WizardWalkError Error)> StartAsync(string customerId, string wizardId,
        CancellationToken cancellationToken = default) =>
        WalkAsync(customerId, wizardId, fromStep: null, choice: 0, cancellationToken);

    /// <summary>Takes choice number <paramref name="choice"/> (as authored) on step <paramref name="fromStep"/>, if this customer is offered it.</summary>
    public ValueTask<(WizardWalk? Walk, WizardWalkError Error)> ChooseAsync(string customerId, string wizardId, string fromStep, int choice,
        CancellationToken cancellationToken = default) =>
        WalkAsync(customerId, wizardId, fromStep, choice, cancellationToken);

    private async ValueTask<(WizardWalk?, WizardWalkError)> WalkAsync(string customerId, string wizardId, string? fromStep, int choice,
        CancellationToken cancellationToken)
    {
        if (await ForCustomerAsync(customerId, cancellationToken) is not { } mine) return (null, WizardWalkError.UnknownCustomer);
        var wizard = mine.Wizards.FirstOrDefault(w => string.Equals(w.Content.Id, wizardId, StringComparison.Ordinal));
        if (wizard is null) return (null, WizardWalkError.UnknownWizard);
        string target;
        if (fromStep is null)
        {
            target = wizard.Content.Start;
        }
        else
        {
            if (wizard.Step(fromStep, mine.Profile) is not { } from) return (null, WizardWalkError.UnknownStep);
            var offered = from.Choices.FirstOrDefault(c => c.Index == choice);
            if (offered.Choice is null) return (null, WizardWalkError.ChoiceNotOffered);
            target = offered.Choice.Next;
        }
        var step = wizard.Step(target, mine.Profile)!;
        var recorded = await trail.AppendAsync(customerId, wizard.Content.Id, wizard.Version, step.Step.Id, step.Step.Title,
            time.GetUtcNow(), cancellationToken);
        return (new WizardWalk(wizard, step, recorded), WizardWalkError.None);
    }
}
