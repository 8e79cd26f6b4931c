using Ccgw.Core.Flows;

namespace Ccgw.Configuration;

/// <summary>Maps validated <c>Flows</c> and <c>Prompts</c> to the core's channel-neutral flow catalogue.</summary>
public static class FlowDefinitions
{
    /// <param name="context">Resolves prompt files against the config file's directory; null leaves them as configured.</param>
    public static FlowCatalog From(GatewayOptions o, ConfigContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        var prompts = o.Prompts.Items.ToDictionary(
            p => p.Key,
            p => new PromptDefinition(p.Key, ResolvePromptFile(o, context, p.Value.File), p.Value.Text),
            StringComparer.Ordinal);
        var flows = o.Flows.ToDictionary(f => f.Key, f => Flow(f.Key, f.Value), StringComparer.Ordinal);
        return new FlowCatalog(flows, prompts);
    }

    /// <summary>One flow in the core's shape; <paramref name="flow"/> passed <see cref="FlowRules"/> (or the start-up check).</summary>
    public static FlowDefinition Flow(string id, FlowOptions flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return new FlowDefinition(id, flow.Start, flow.Steps.ToDictionary(s => s.Key, s => Step(s.Key, s.Value), StringComparer.Ordinal));
    }

    private static string? ResolvePromptFile(GatewayOptions o, ConfigContext? context, string file) =>
        string.IsNullOrEmpty(file) ? null
        : context is null ? Path.Combine(o.Prompts.Directory, file)
        : context.Resolve(o.Prompts.Directory, file);

    private static FlowStep Step(string id, FlowStepOptions s) =>
        string.IsNullOrWhiteSpace(s.Product) ? StepOfType(id, s) : StepOfType(id, s) with { Product = s.Product.Trim() };

    private static FlowStep StepOfType(string id, FlowStepOptions s)
    {
        var timeout = TimeSpan.FromSeconds(s.TimeoutSeconds);
        return s.Type.ToLowerInvariant() switch
        {
            "say" => new SayStep(id, s.Prompt!, s.Next!),
            "goto" => new GotoStep(id, s.Next!),
            "menu" => new MenuStep(id, s.Prompt!, s.InvalidPrompt,
                new Dictionary<string, string>(s.Options, StringComparer.Ordinal),
                s.Words.ToDictionary(w => w.Key.Trim().ToLowerInvariant(), w => w.Value, StringComparer.Ordinal),
                timeout, s.Retries, s.OnFailure),
            "collect" => new CollectStep(id, s.Prompt!, s.InvalidPrompt, s.MaxDigits, s.Variable, timeout, s.Retries, s.Next!, s.OnFailure),
            "queue" => new QueueStep(id, s.Queue!, s.Prompt, s.Next),
            "callback" => new CallbackStep(id, s.Queue!, s.Prompt, s.Next),
            "hangup" => new HangupStep(id, s.Prompt),
            var other => throw new ArgumentException($"Flows step '{id}': unknown type '{other}' (the configuration was not validated)"),
        };
    }
}
