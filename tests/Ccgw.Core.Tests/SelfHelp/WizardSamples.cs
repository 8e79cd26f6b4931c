using Ccgw.Core.SelfHelp;

namespace Ccgw.Core.Tests.SelfHelp;

internal static class WizardSamples
{
    /// <summary>start → (lights → restart | live), slow (download), parts (fibre owners) → order, billing (live help).</summary>
    public static WizardContent Fibre(string id = "fibre-help", string? product = "fibre-500", string? topic = null, string title = "Fibre help") =>
        new(id, title, product, topic, "start",
        [
            new WizardStep("start", "What do you need?", null,
            [
                new WizardChoice("No internet", "lights"),
                new WizardChoice("Slow", "slow"),
                new WizardChoice("Spare part", "parts", Products: ["fibre-500"], Topics: ["sales"]),
                new WizardChoice("My bill", "billing", Topics: ["billing"]),
            ]),
            new WizardStep("lights", "Lights", "Look at the lights.", [new WizardChoice("Green", "restart"), new WizardChoice("Red", "live")]),
            new WizardStep("restart", "Restart", null, [new WizardChoice("Still broken", "live")], new WizardEnding(WizardEndingKind.Answer, "Switch it off and on.")),
            new WizardStep("slow", "Guide", null, Ending: new WizardEnding(WizardEndingKind.Download, File: "guides/quick-start.pdf")),
            new WizardStep("parts", "Parts", null, [new WizardChoice("Power supply", "order-psu")]),
            new WizardStep("order-psu", "Order", null, Ending: new WizardEnding(WizardEndingKind.Order, CatalogueItem: "psu")),
            new WizardStep("billing", "Billing", null, Ending: new WizardEnding(WizardEndingKind.LiveHelp, Topic: "billing")),
            new WizardStep("live", "Talk to us", null, Ending: new WizardEnding(WizardEndingKind.LiveHelp, Topic: "sales")),
        ]);

    public static WizardContent WithStep(WizardContent w, int index, Func<WizardStep, WizardStep> change) =>
        w with { Steps = [.. w.Steps.Select((s, i) => i == index ? change(s) : s)] };
}
