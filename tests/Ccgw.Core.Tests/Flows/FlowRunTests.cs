using Ccgw.Core.Flows;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Core.Tests.Flows;

public sealed class FlowRunTests
{
    /// <summary>The demo's shape: welcome, a menu with words and a call-back option, an account-number collect.</summary>
    internal static FlowDefinition Demo() => new("main", "welcome", new Dictionary<string, FlowStep>
    {
        ["welcome"] = new SayStep("welcome", "welcome", "menu"),
        ["menu"] = new MenuStep("menu", "menu", "invalid",
            new Dictionary<string, string> { ["1"] = "to-sales", ["2"] = "to-billing", ["3"] = "account", ["9"] = "callback" },
            new Dictionary<string, string> { ["sales"] = "1", ["billing"] = "2", ["call back"] = "9" },
            TimeSpan.FromSeconds(5), 2, "bye"),
        ["account"] = new CollectStep("account", "enter-account", "invalid", 4, "account", TimeSpan.FromSeconds(4), 1, "to-billing", null),
        ["to-sales"] = new QueueStep("to-sales", "sales", "queued", null),
        ["to-billing"] = new QueueStep("to-billing", "billing", "queued", "bye"),
        ["callback"] = new CallbackStep("callback", "sales", "callback", "bye"),
        ["bye"] = new HangupStep("bye", "goodbye"),
    });

    [Fact]
    public void Start_says_the_welcome_then_asks_the_menu()
    {
        var run = new FlowRun(Demo());
        var ask = Assert.IsType<AwaitInput>(run.Start());
        Assert.Equal(["welcome", "menu"], ask.Prompts);
        Assert.Equal(TimeSpan.FromSeconds(5), ask.Expect.Timeout);
        Assert.Equal(["1", "2", "3", "9"], ask.Expect.Keys.Order());
        Assert.Equal("menu", run.CurrentStepId);
    }

    [Fact]
    public void A_key_leads_to_its_queue()
    {
        var run = new FlowRun(Demo());
        run.Start();
        var queue = Assert.IsType<EnterQueue>(run.Digit('2'));
        Assert.Equal("billing", queue.QueueId);
        Assert.Equal(["queued"], queue.Prompts);
    }

    [Theory]
    [InlineData("2")]
    [InlineData(" Billing! ")]
    [InlineData("BILLING")]
    public void Typed_words_and_digits_choose_the_same_option(string typed)
    {
        var run = new FlowRun(Demo());
        run.Start();
        Assert.Equal("billing", Assert.IsType<EnterQueue>(run.Input(typed)).QueueId);
    }

    [Fact]
    public void Two_word_answers_are_matched()
    {
        var run = new FlowRun(Demo());
        run.Start();
        Assert.Equal("sales", Assert.IsType<RequestCallback>(run.Input("Call back.")).QueueId);
        var end = Assert.IsType<EndConversation>(run.Continue());
        Assert.Equal(["goodbye"], end.Prompts);
        Assert.Equal("hangup", end.Reason);
        Assert.True(run.HasEnded);
    }

    [Fact]
    public void Wrong_keys_are_retried_then_fail_over()
    {
        var run = new FlowRun(Demo());
        run.Start();
        Assert.Equal(["invalid", "menu"], Assert.IsType<AwaitInput>(run.Digit('7')).Prompts);
        Assert.Equal(["menu"], Assert.IsType<AwaitInput>(run.Timeout()).Prompts);
        var end = Assert.IsType<EndConversation>(run.Input("pizza"));
        Assert.Equal(["invalid", "goodbye"], end.Prompts);
    }

    [Fact]
    public void Retries_restart_after_a_valid_answer()
    {
        var run = new FlowRun(Demo());
        run.Start();
        run.Digit('7');
        run.Digit('7');
        Assert.IsType<AwaitInput>(run.Digit('3'));
        Assert.IsType<AwaitInput>(run.Timeout());
        Assert.IsType<EndConversation>(run.Timeout());
    }

    [Fact]
    public void Collect_gathers_digits_until_max_or_hash_or_timeout()
    {
        var full = new FlowRun(Demo());
        full.Start();
        full.Digit('3');
        foreach (var d in "123") Assert.Empty(Assert.IsType<AwaitInput>(full.Digit(d)).Prompts);
        Assert.IsType<EnterQueue>(full.Digit('4'));
        Assert.Equal("1234", full.Variables["account"]);

        var hash = new FlowRun(Demo());
        hash.Start();
        hash.Digit('3');
        hash.Digit('5');
        Assert.IsType<EnterQueue>(hash.Digit('#'));
        Assert.Equal("5", hash.Variables["account"]);

        var pause = new FlowRun(Demo());
        pause.Start();
        pause.Digit('3');
        pause.Digit('6');
        Assert.IsType<EnterQueue>(pause.Timeout());
        Assert.Equal("6", pause.Variables["account"]);
    }

    [Fact]
    public void Typed_collect_answers_are_checked_whole()
    {
        var run = new FlowRun(Demo());
        run.Start();
        run.Input("3");
        Assert.Equal(["invalid", "enter-account"], Assert.IsType<AwaitInput>(run.Input("12a")).Prompts);
        Assert.IsType<EnterQueue>(run.Input("4711"));
        Assert.Equal("4711", run.Variables["account"]);
    }

    [Fact]
    public void Collect_without_on_failure_ends_the_conversation()
    {
        var run = new FlowRun(Demo());
        run.Start();
        run.Digit('3');
        run.Timeout();
        var end = Assert.IsType<EndConversation>(run.Timeout());
        Assert.Equal("failure", end.Reason);
    }

    [Fact]
    public void Queue_continue_goes_on_when_the_queue_could_not_take_the_customer()
    {
        var run = new FlowRun(Demo());
        run.Start();
        run.Digit('2');
        Assert.Null(run.Digit('5'));
        Assert.Equal(["goodbye"], Assert.IsType<EndConversation>(run.Continue()).Prompts);
    }

    [Fact]
    public void A_flow_of_only_say_and_goto_steps_is_reported_as_a_loop()
    {
        var loop = new FlowDefinition("loop", "a", new Dictionary<string, FlowStep>
        {
            ["a"] = new SayStep("a", "hello", "b"),
            ["b"] = new GotoStep("b", "a"),
        });
        var end = Assert.IsType<EndConversation>(new FlowRun(loop).Start());
        Assert.Equal("loop", end.Reason);
        Assert.Equal(FlowRun.MaxStepsPerTurn / 2, end.Prompts.Count);
    }

    [Fact]
    public void Starting_twice_is_a_caller_bug()
    {
        var run = new FlowRun(Demo());
        run.Start();
        Assert.Throws<InvalidOperationException>(() => run.Start());
    }

    /// <summary>Any sequence of keys, typed answers, timeouts and continues keeps the run consistent and never throws.</summary>
    [Fact]
    public void Random_answers_never_break_the_run() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(0, 40)).ToArbitrary(), ops =>
        {
            var run = new FlowRun(Demo());
            FlowDirective? last = run.Start();
            foreach (var op in ops)
            {
                var d = op switch
                {
                    < 12 => run.Digit("0123456789*#"[op]),
                    < 20 => run.Input(new[] { "1", "billing", "x", "", "12#", "call back", "99", "#" }[op - 12]),
                    < 30 => run.Timeout(),
                    _ => run.Continue(),
                };
                if (d is not null) last = d;
                if (run.HasEnded != last is EndConversation) return false;
            }
            return last is AwaitInput or EnterQueue or RequestCallback or EndConversation;
        }).QuickCheckThrowOnFailure();
}
