using Ccgw.Core.Repositories;
using Microsoft.AspNetCore.Http;

namespace Ccgw.Web.Portal;

/// <summary>
/// What a section of <c>/me</c> is given: the signed-in customer's record (read once per page), the request, the
/// hidden antiforgery field every form must carry, and the errors or notice of a form just posted (by section id).
/// </summary>
public sealed record MeContext(Customer Customer, HttpContext Http, string CsrfField, MeFeedback? Feedback)
{
    /// <summary>Errors of this section's form (field → messages), when it was the one posted.</summary>
    public IReadOnlyDictionary<string, string[]>? ErrorsFor(string sectionId) =>
        Feedback is { } f && f.SectionId == sectionId ? f.Errors : null;

    /// <summary>The notice for this section ("Your details were saved"), when it was the one posted.</summary>
    public string? NoticeFor(string sectionId) => Feedback is { } f && f.SectionId == sectionId ? f.Notice : null;
}

/// <summary>The outcome of a form of one section, shown when the page is rendered again.</summary>
public sealed record MeFeedback(string SectionId, IReadOnlyDictionary<string, string[]>? Errors, string? Notice);

/// <summary>
/// One section of the personal page. Sections are registered as <c>IMeSection</c> singletons and rendered in
/// <see cref="Order"/>; a feature adds its own (the wizard, ordering a part) without touching the others. A section
/// writes one <c>&lt;section&gt;</c> whose id is <see cref="Id"/>, HTML-encodes everything it did not write itself
/// (<see cref="PortalHtml.E"/>), and puts <see cref="MeContext.CsrfField"/> in every form it renders.
/// </summary>
public interface IMeSection
{
    /// <summary>The section's element id and anchor, e.g. "details".</summary>
    string Id { get; }

    /// <summary>The heading, also the page's table of contents entry.</summary>
    string Title { get; }

    /// <summary>Lower first: details 100, call-backs 200, centre status 300, orders 400, history 500.</summary>
    int Order { get; }

    Task RenderAsync(MeContext context, System.Text.StringBuilder html, CancellationToken cancellationToken);
}
