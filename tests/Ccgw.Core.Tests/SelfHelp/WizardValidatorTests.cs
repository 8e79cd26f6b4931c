using Ccgw.Core.SelfHelp;
using FsCheck;
using FsCheck.Fluent;
using static Ccgw.Core.Tests.SelfHelp.WizardSamples;

namespace Ccgw.Core.Tests.SelfHelp;

public sealed class WizardValidatorTests
{
    private static IReadOnlyList<string> Paths(WizardContent w, Func<string, bool>? items = null) =>
        [.. WizardValidator.Validate(w, items).Select(p => p.Path)];

    [Fact]
    public void A_wizard_every_customer_can_walk_to_an_ending_is_accepted() => Assert.Empty(Paths(Fibre(), id => id == "psu"));

    [Fact]
    public void A_choice_leading_to_an_unknown_step_is_named_by_its_json_path()
    {
        var w = WithStep(Fibre(), 1, s => s with { Choices = [new WizardChoice("Green", "nowhere"), s.Choices![1]] });
        Assert.Equal(["steps[1].choices[0].next"], Paths(w));
        Assert.Contains("'nowhere'", WizardValidator.Validate(w).Single().Message);
    }

    [Fact]
    public void A_missing_or_unknown_start_is_refused()
    {
        Assert.Contains("start", Paths(Fibre() with { Start = "" }));
        Assert.Contains("start", Paths(Fibre() with { Start = "begin" }));
    }

    [Fact]
    public void Oversized_text_and_control_characters_are_refused_naming_the_field()
    {
        Assert.Equal(["steps[1].text"], Paths(WithStep(Fibre(), 1, s => s with { Text = new string('x', WizardValidator.MaxTextLength + 1) })));
        Assert.Equal(["steps[0].title"], Paths(WithStep(Fibre(), 0, s => s with { Title = "a\u0001b" })));
        Assert.Equal(["title"], Paths(Fibre() with { Title = new string('t', WizardValidator.MaxTitleLength + 1) }));
    }

    [Fact]
    public void A_loop_without_a_way_out_is_refused_but_a_loop_with_one_is_accepted()
    {
        // lights ⇄ restart, and restart's ending removed: neither can reach an ending any more (and "live", which only
        // they led to, is left unreachable).
        var stuck = WithStep(WithStep(Fibre(), 1, s => s with { Choices = [new WizardChoice("Again", "restart")] }),
            2, s => s with { Ending = null, Choices = [new WizardChoice("Back", "lights")] });
        var problems = WizardValidator.Validate(stuck);
        Assert.Equal(["steps[1]", "steps[2]", "steps[7]"], problems.Select(p => p.Path));
        Assert.Contains("loop", problems[0].Message);
        Assert.Contains("loop", problems[1].Message);
        Assert.Contains("from the start", problems[2].Message);

        var loopWithExit = WithStep(Fibre(), 2, s => s with { Choices = [new WizardChoice("Back to start", "start")] });
        Assert.Empty(Paths(loopWithExit));
    }

    [Fact]
    public void A_step_no_choice_leads_to_is_refused()
    {
        var w = WithStep(Fibre(), 0, s => s with { Choices = [.. s.Choices!.Where(c => c.Next != "slow")] });
        Assert.Equal(["steps[3]"], Paths(w));
    }

    [Fact]
    public void Endings_need_what_they_name_and_downloads_stay_inside_the_content_directory()
    {
        foreach (var bad in new[] { "../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "a\\b", "" })
            Assert.Equal(["steps[3].ending.file"], Paths(WithStep(Fibre(), 3, s => s with { Ending = new WizardEnding(WizardEndingKind.Download, File: bad) })));
        Assert.Equal(["steps[5].ending.catalogueItem"], Paths(Fibre(), id => id == "other"));
        Assert.Equal(["steps[2].ending.text"], Paths(WithStep(Fibre(), 2, s => s with { Ending = new WizardEnding(WizardEndingKind.Answer) })));
    }

    [Fact]
    public void Duplicate_step_ids_and_bad_ids_are_refused()
    {
        var w = WithStep(Fibre(), 7, s => s with { Id = "billing" });
        Assert.Contains("steps[7].id", Paths(w));
        Assert.Contains("id", Paths(Fibre(id: "Fibre Help!")));
        Assert.Contains("steps", Paths(Fibre() with { Steps = [] }));
    }

    /// <summary>
    /// Random step graphs: the validator accepts exactly those where every step is reachable from the start and can
    /// reach an ending, checked here independently by a search from each step.
    /// </summary>
    [Fact]
    public void Over_random_graphs_acceptance_means_every_step_is_reachable_and_can_end()
    {
        var gen =
            from n in Gen.Choose(1, 8)
            from edges in Gen.Choose(0, n - 1).ArrayOf(n * 2)
            from edgeCounts in Gen.Choose(0, 2).ArrayOf(n)
            from endings in Gen.Elements(true, false).ArrayOf(n)
            select (n, edges, edgeCounts, endings);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Arb.From(gen), g =>
        {
            var steps = Enumerable.Range(0, g.n).Select(i => new WizardStep($"s{i}", $"Step {i}", null,
                [.. Enumerable.Range(0, g.edgeCounts[i]).Select(k => new WizardChoice($"c{k}", $"s{g.edges[i * 2 + k]}"))],
                g.endings[i] ? new WizardEnding(WizardEndingKind.LiveHelp) : null)).ToList();
            var w = new WizardContent("w", "W", null, null, "s0", steps);
            var problems = WizardValidator.Validate(w);
            Assert.All(problems, p => Assert.Matches(@"^steps\[\d+\]$", p.Path));
            var next = steps.Select(s => (s.Choices ?? []).Select(c => int.Parse(c.Next[1..], System.Globalization.CultureInfo.InvariantCulture)).ToList()).ToList();
            HashSet<int> From(int i)
            {
                var seen = new HashSet<int>();
                var todo = new Stack<int>([i]);
                while (todo.TryPop(out var x)) if (seen.Add(x)) foreach (var y in next[x]) todo.Push(y);
                return seen;
            }
            var ok = Enumerable.Range(0, g.n).All(i => From(0).Contains(i) && (steps[i].Choices is { Count: > 0 } || steps[i].Ending is not null)
                                                        && From(i).Any(j => steps[j].Ending is not null));
            Assert.Equal(ok, problems.Count == 0);
        }));
    }
}
