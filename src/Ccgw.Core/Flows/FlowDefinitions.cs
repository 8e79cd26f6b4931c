namespace Ccgw.Core.Flows;

/// <summary>
/// A dialogue the customer is taken through before routing (an IVR over voice, a bot over IM): steps by id,
/// starting at <see cref="Start"/>. Channel-neutral: steps name prompts, never audio files or message texts.
/// </summary>
public sealed record FlowDefinition(string Id, string Start, IReadOnlyDictionary<string, FlowStep> Steps);

/// <summary>A prompt as each channel renders it: <see cref="File"/> over voice, <see cref="Text"/> over IM.</summary>
public sealed record PromptDefinition(string Id, string? File, string Text);

/// <summary>The configured flows and prompts, shared read-only by every channel adapter.</summary>
public sealed class FlowCatalog(IReadOnlyDictionary<string, FlowDefinition> flows, IReadOnlyDictionary<string, PromptDefinition> prompts)
{
    public static FlowCatalog Empty { get; } = new(new Dictionary<string, FlowDefinition>(), new Dictionary<string, PromptDefinition>());

    public IReadOnlyDictionary<string, FlowDefinition> Flows { get; } = flows;

    public IReadOnlyDictionary<string, PromptDefinition> Prompts { get; } = prompts;

    /// <summary>The prompt's IM text; the id itself when the prompt is unknown, so a config slip is visible, not silent.</summary>
    public string TextOf(string promptId) => Prompts.TryGetValue(promptId, out var p) ? p.Text : promptId;
}

/// <summary>One step of a flow. Non-blocking steps (say, goto) lead straight on; the others wait for the customer or hand over.</summary>
public abstract record FlowStep(string Id)
{
    /// <summary>
    /// The product a customer who reaches this step is asking about (e.g. the step a menu option leads to); the run
    /// keeps the last one passed and the interaction it queues carries it (history "by product").
    /// </summary>
    public string? Product { get; init; }
}

/// <summary>Render <see cref="Prompt"/>, then go to <see cref="Next"/>.</summary>
public sealed record SayStep(string Id, string Prompt, string Next) : FlowStep(Id);

/// <summary>Go to <see cref="Next"/> without saying anything.</summary>
public sealed record GotoStep(string Id, string Next) : FlowStep(Id);

/// <summary>
/// Ask for one key. <see cref="Options"/> maps a key (0-9, *, #) to the next step; <see cref="Words"/> maps typed words
/// (IM) to a key. A wrong key or no answer within <see cref="Timeout"/> asks again, at most <see cref="Retries"/> times,
/// then goes to <see cref="OnFailure"/> (or ends the conversation).
/// </summary>
public sealed record MenuStep(
    string Id,
    string Prompt,
    string? InvalidPrompt,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> Words,
    TimeSpan Timeout,
    int Retries,
    string? OnFailure) : FlowStep(Id);

/// <summary>
/// Collect up to <see cref="MaxDigits"/> digits (ended early by '#' or by the timeout after at least one digit) into
/// <see cref="Variable"/>, then go to <see cref="Next"/>.
/// </summary>
public sealed record CollectStep(
    string Id,
    string Prompt,
    string? InvalidPrompt,
    int MaxDigits,
    string? Variable,
    TimeSpan Timeout,
    int Retries,
    string Next,
    string? OnFailure) : FlowStep(Id);

/// <summary>Render <see cref="Prompt"/> and hand the customer to routing in <see cref="Queue"/>.</summary>
public sealed record QueueStep(string Id, string Queue, string? Prompt, string? Next) : FlowStep(Id);

/// <summary>Record a call-back request for <see cref="Queue"/>, render <see cref="Prompt"/>, then go to <see cref="Next"/>.</summary>
public sealed record CallbackStep(string Id, string Queue, string? Prompt, string? Next) : FlowStep(Id);

/// <summary>Render <see cref="Prompt"/> and end the conversation.</summary>
public sealed record HangupStep(string Id, string? Prompt) : FlowStep(Id);
