namespace Ccgw.Core.Flows;

/// <summary>
/// A dialogue the customer is taken through before routing (an IVR over voice, a bot over IM): steps by id,
/// starting at <see cref="Start"/>. Channel-neutral: steps name prompts, never audio files or message texts.
/// </summary>
public sealed record FlowDefinition(string Id, string Start, IReadOnlyDictionary<string, FlowStep> Steps);

/// <summary>A prompt as each channel renders it: <see cref="File"/> over voice, <see cref="Text"/> over IM.</summary>
public sealed record PromptDefinition(string Id, string? File, string Text);

/// <summary>
/// The flows and prompts, shared by every channel adapter. The flows are replaced whole at run time (issue 20: the admin
/// API and a reload, <see cref="ReplaceFlows"/>): a channel looks a flow up when a conversation starts, and the run keeps
/// the <see cref="FlowDefinition"/> it started with, so a conversation under way finishes in the flow it entered.
/// </summary>
public sealed class FlowCatalog(IReadOnlyDictionary<string, FlowDefinition> flows, IReadOnlyDictionary<string, PromptDefinition> prompts)
{
    // One reference swapped whole: readers on any thread see either the old set or the new one, never a mix.
    private volatile IReadOnlyDictionary<string, FlowDefinition> _flows = flows;

    /// <summary>A new empty catalogue each time (a catalogue can change, so none is shared).</summary>
    public static FlowCatalog Empty => new(new Dictionary<string, FlowDefinition>(), new Dictionary<string, PromptDefinition>());

    /// <summary>The flows now; a snapshot that does not change under the caller.</summary>
    public IReadOnlyDictionary<string, FlowDefinition> Flows => _flows;

    public IReadOnlyDictionary<string, PromptDefinition> Prompts { get; } = prompts;

    /// <summary>The prompt's IM text; the id itself when the prompt is unknown, so a config slip is visible, not silent.</summary>
    public string TextOf(string promptId) => Prompts.TryGetValue(promptId, out var p) ? p.Text : promptId;

    /// <summary>Makes <paramref name="flows"/> the flows the next conversation starts in; those under way keep theirs.</summary>
    public void ReplaceFlows(IReadOnlyDictionary<string, FlowDefinition> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        _flows = flows;
    }
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
