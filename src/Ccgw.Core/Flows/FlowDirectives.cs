namespace Ccgw.Core.Flows;

/// <summary>
/// What the channel must do next. It first renders <see cref="Prompts"/> (prompt ids, in order: audio over voice,
/// text over IM), then acts on the directive's kind.
/// </summary>
public abstract record FlowDirective(IReadOnlyList<string> Prompts);

/// <summary>
/// Wait for the customer. The timeout starts once the prompts have been rendered; input during a prompt counts
/// (barge-in). Answer with <see cref="FlowRun.Digit"/>, <see cref="FlowRun.Input"/> or <see cref="FlowRun.Timeout"/>.
/// </summary>
public sealed record AwaitInput(IReadOnlyList<string> Prompts, InputExpectation Expect) : FlowDirective(Prompts);

/// <summary><see cref="Keys"/> are a menu's keys (empty when collecting digits).</summary>
public sealed record InputExpectation(TimeSpan Timeout, int MaxDigits, IReadOnlyList<string> Keys);

/// <summary>Hand the customer to routing in <see cref="QueueId"/>. <see cref="FlowRun.Continue"/> goes on if the queue could not take them.</summary>
public sealed record EnterQueue(IReadOnlyList<string> Prompts, string QueueId) : FlowDirective(Prompts)
{
    /// <summary>The product the run's steps attributed (<see cref="FlowStep.Product"/>); null when none did.</summary>
    public string? Product { get; init; }

    /// <summary>What collect steps gathered, by variable name; the interaction carries it to the agent's offer.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Record a call-back for <see cref="QueueId"/> (prompts are rendered after recording it), then call <see cref="FlowRun.Continue"/>.</summary>
public sealed record RequestCallback(IReadOnlyList<string> Prompts, string QueueId) : FlowDirective(Prompts);

/// <summary>Render the prompts and end the conversation. <see cref="Reason"/>: hangup, failure (no valid answer) or loop (a misconfigured flow).</summary>
public sealed record EndConversation(IReadOnlyList<string> Prompts, string Reason) : FlowDirective(Prompts);
