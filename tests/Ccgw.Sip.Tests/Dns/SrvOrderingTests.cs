using Ccgw.Sip.Dns;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>RFC 2782 target order: priority first, then a weighted draw within each priority.</summary>
public sealed class SrvOrderingTests
{
    private static DnsSrv Srv(ushort priority, ushort weight, string target) => new(priority, weight, 5060, target);

    [Fact]
    public void Lower_priority_always_comes_first_whatever_the_weights()
    {
        var records = new[] { Srv(30, 100, "c"), Srv(10, 0, "a"), Srv(20, 65535, "b") };
        for (var seed = 0; seed < 50; seed++)
            Assert.Equal(["a", "b", "c"], SrvOrdering.Order(records, new Random(seed)).Select(r => r.Target));
    }

    [Fact]
    public void Within_a_priority_the_draw_follows_the_weights()
    {
        var records = new[] { Srv(10, 60, "heavy"), Srv(10, 20, "light"), Srv(10, 20, "light2") };
        var random = new Random(2782);
        var first = new Dictionary<string, int>();
        const int draws = 20_000;
        for (var i = 0; i < draws; i++)
        {
            var order = SrvOrdering.Order(records, random);
            Assert.Equal(3, order.Count);
            first[order[0].Target] = first.GetValueOrDefault(order[0].Target) + 1;
        }
        // 60/101 ≈ 0.594 (the draw runs 0..100 inclusive, and 0 lands on the first record of the list).
        Assert.InRange(first["heavy"] / (double)draws, 0.57, 0.62);
        Assert.InRange(first["light"] / (double)draws, 0.18, 0.22);
    }

    [Fact]
    public void Weight_zero_is_chosen_only_when_the_draw_is_zero()
    {
        // RFC 2782: weight 0 "should have a very small chance of being selected" when others have weight.
        var records = new[] { Srv(10, 1000, "weighted"), Srv(10, 0, "zero") };
        var random = new Random(7);
        var zeroFirst = 0;
        const int draws = 20_000;
        for (var i = 0; i < draws; i++)
            if (SrvOrdering.Order(records, random)[0].Target == "zero") zeroFirst++;
        Assert.InRange(zeroFirst, 1, draws / 200);
    }

    [Fact]
    public void All_weights_zero_share_the_first_place_evenly()
    {
        var records = new[] { Srv(5, 0, "a"), Srv(5, 0, "b") };
        var random = new Random(11);
        var aFirst = 0;
        const int draws = 4000;
        for (var i = 0; i < draws; i++)
            if (SrvOrdering.Order(records, random)[0].Target == "a") aFirst++;
        // With sum 0 the draw is always 0 and the first of the shuffled list wins.
        Assert.InRange(aFirst / (double)draws, 0.45, 0.55);
    }

    [Fact]
    public void The_same_seed_gives_the_same_order()
    {
        var records = Enumerable.Range(0, 8).Select(i => Srv((ushort)(i % 2), (ushort)(i * 10 + 1), $"t{i}")).ToArray();
        Assert.Equal(SrvOrdering.Order(records, new Random(42)), SrvOrdering.Order(records, new Random(42)));
        Assert.Equal(records.Length, SrvOrdering.Order(records, new Random(1)).Distinct().Count());
    }
}
