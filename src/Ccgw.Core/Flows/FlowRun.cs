using System.Text;

namespace Ccgw.Core.Flows;

/// <summary>
/// One conversation's position in a flow: a small state machine the channel adapter drives with the customer's
/// answers (DTMF keys over voice, typed text over IM) and timeouts. It does no I/O and keeps no clock: the adapter
/// renders prompts, runs the timer and reports back. Not thread-safe; each conversation owns one.
/// </summary>
public sealed class FlowRun
{
    /// <summary>Most non-blocking steps (say, goto) followed in one go before the flow is declared a loop.</summary>
    public const int MaxStepsPerTurn = 64;

    private readonly FlowDefinition _flow;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private readonly StringBuilder _digits = new();
    private FlowStep? _current;
    private int _failures;

    public FlowRun(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
    }

    /// <summary>The step the run waits in (null before <see cref="Start"/> and after the end).</summary>
    public string? CurrentStepId => _current?.Id;

    public bool HasEnded { get; private set; }

    /// <summary>Digits collected by collect steps, by variable name.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>The product of the last step passed that names one (<see cref="FlowStep.Product"/>); null until then.</summary>
    public string? Product { get; private set; }

    public FlowDirective Start()
    {
        if (_current is not null || HasEnded) throw new InvalidOperationException("the flow has already started");
        return Advance(_flow.Start, []);
    }

    /// <summary>One DTMF key (0-9, *, #) as it arrives. Null: the run does not expect input now and nothing changed.</summary>
    public FlowDirective? Digit(char key) => _current switch
    {
        MenuStep menu => Choose(menu, key.ToString()),
        CollectStep collect => CollectKey(collect, key),
        _ => Ignored(),
    };

    /// <summary>A complete typed answer (IM): a key, several digits, or one of the menu's words.</summary>
    public FlowDirective? Input(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var answer = Normalise(text);
        switch (_current)
        {
            case MenuStep menu:
                if (!menu.Options.ContainsKey(answer) && menu.Words.TryGetValue(answer, out var key)) answer = key;
                return Choose(menu, answer);
            case CollectStep collect:
                _digits.Clear();
                foreach (var c in answer)
                {
                    if (c == '#') break;
                    if (!char.IsAsciiDigit(c) || _digits.Length == collect.MaxDigits) return Invalid(collect, collect.InvalidPrompt);
                    _digits.Append(c);
                }
                return _digits.Length == 0 ? Invalid(collect, collect.InvalidPrompt) : Collected(collect);
            default:
                return Ignored();
        }
    }

    /// <summary>No (further) answer within the expectation's timeout.</summary>
    public FlowDirective? Timeout() => _current switch
    {
        CollectStep collect when _digits.Length > 0 => Collected(collect),
        MenuStep or CollectStep => Invalid(_current, invalidPrompt: null),
        _ => Ignored(),
    };

    /// <summary>After <see cref="RequestCallback"/> was recorded, or when <see cref="EnterQueue"/> could not queue: go on.</summary>
    public FlowDirective? Continue() => _current switch
    {
        CallbackStep step => Next(step.Next, []),
        QueueStep step => Next(step.Next, []),
        _ => Ignored(),
    };

    private FlowDirective Choose(MenuStep menu, string key) =>
        menu.Options.TryGetValue(key, out var target) ? Advance(target, []) : Invalid(menu, menu.InvalidPrompt);

    private FlowDirective CollectKey(CollectStep collect, char key)
    {
        if (key == '#')
            return _digits.Length == 0 ? Invalid(collect, collect.InvalidPrompt) : Collected(collect);
        if (!char.IsAsciiDigit(key)) return Invalid(collect, collect.InvalidPrompt);
        _digits.Append(key);
        return _digits.Length >= collect.MaxDigits ? Collected(collect) : Waiting(collect, []);
    }

    private FlowDirective Collected(CollectStep collect)
    {
        if (collect.Variable is { } name) _variables[name] = _digits.ToString();
        return Advance(collect.Next, []);
    }

    /// <summary>A wrong answer or silence: ask again until the step's retries are used up, then fail over.</summary>
    private FlowDirective Invalid(FlowStep step, string? invalidPrompt)
    {
        _failures++;
        _digits.Clear();
        List<string> prompts = invalidPrompt is null ? [] : [invalidPrompt];
        var (retries, onFailure, prompt) = step switch
        {
            MenuStep m => (m.Retries, m.OnFailure, m.Prompt),
            CollectStep c => (c.Retries, c.OnFailure, c.Prompt),
            _ => throw new InvalidOperationException($"step '{step.Id}' takes no input"),
        };
        if (_failures > retries)
            return onFailure is null ? End(prompts, "failure") : Advance(onFailure, prompts);
        prompts.Add(prompt);
        return Waiting(step, prompts);
    }

    private FlowDirective Next(string? next, List<string> prompts) => next is null ? End(prompts, "hangup") : Advance(next, prompts);

    /// <summary>Follows say and goto steps, gathering their prompts, until a step that waits or hands over.</summary>
    private FlowDirective Advance(string stepId, List<string> prompts)
    {
        for (var hops = 0; hops < MaxStepsPerTurn; hops++)
        {
            if (!_flow.Steps.TryGetValue(stepId, out var step))
                return End(prompts, "loop");
            _current = step;
            _failures = 0;
            _digits.Clear();
            if (step.Product is { } product) Product = product;
            switch (step)
            {
                case SayStep say:
                    prompts.Add(say.Prompt);
                    stepId = say.Next;
                    continue;
                case GotoStep go:
                    stepId = go.Next;
                    continue;
                case MenuStep menu:
                    prompts.Add(menu.Prompt);
                    return Waiting(menu, prompts);
                case CollectStep collect:
                    prompts.Add(collect.Prompt);
                    return Waiting(collect, prompts);
                case QueueStep queue:
                    if (queue.Prompt is not null) prompts.Add(queue.Prompt);
                    return new EnterQueue(prompts, queue.Queue)
                    {
                        Product = Product,
                        Variables = new Dictionary<string, string>(_variables, StringComparer.Ordinal),
                    };
                case CallbackStep callback:
                    if (callback.Prompt is not null) prompts.Add(callback.Prompt);
                    return new RequestCallback(prompts, callback.Queue);
                case HangupStep hangup:
                    if (hangup.Prompt is not null) prompts.Add(hangup.Prompt);
                    return End(prompts, "hangup");
                default:
                    throw new InvalidOperationException($"unknown step type {step.GetType().Name}");
            }
        }
        return End(prompts, "loop");
    }

    private static AwaitInput Waiting(FlowStep step, List<string> prompts) => step switch
    {
        MenuStep m => new AwaitInput(prompts, new InputExpectation(m.Timeout, 1, [.. m.Options.Keys])),
        CollectStep c => new AwaitInput(prompts, new InputExpectation(c.Timeout, c.MaxDigits, [])),
        _ => throw new InvalidOperationException($"step '{step.Id}' takes no input"),
    };

    private EndConversation End(List<string> prompts, string reason)
    {
        _current = null;
        HasEnded = true;
        return new EndConversation(prompts, reason);
    }

    /// <summary>Input the current position does not expect (a key while queued, a late answer) changes nothing: null.</summary>
    private static FlowDirective? Ignored() => null;

    /// <summary>Typed answers: trimmed, lower-case, without closing punctuation ("Billing!" → "billing").</summary>
    private static string Normalise(string text)
    {
        var span = text.AsSpan().Trim();
        while (span.Length > 0 && span[^1] is '.' or '!' or '?' or ',') span = span[..^1].TrimEnd();
        return span.ToString().ToLowerInvariant();
    }
}
