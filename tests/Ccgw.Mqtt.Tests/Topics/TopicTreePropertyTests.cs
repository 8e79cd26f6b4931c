using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Mqtt.Tests.Topics;

public sealed class TopicTreePropertyTests
{
    private static Config Config => Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<string> TopicLevel = Gen.Elements("a", "b", "c", "", "$s");
    private static readonly Gen<string> FilterLevel = Gen.Elements("a", "b", "c", "", "$s", "+", "+", "#");

    private static Gen<string> Topic => TopicLevel.NonEmptyListOf().Resize(4).Select(l => string.Join('/', l)).Where(t => t.Length > 0);

    private static Gen<string> Filter => FilterLevel.NonEmptyListOf().Resize(4).Select(l => string.Join('/', l))
        .Where(f => f.Length > 0 && MqttTopic.IsValidTopicFilter(f));

    [Fact]
    public void Tree_matches_exactly_the_filters_that_match_the_topic()
    {
        var gen = from filters in Filter.ListOf().Resize(12) from topic in Topic select (filters, topic);
        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (filters, topic) = t;
            var tree = new TopicTree<string>();
            var keyed = filters.Select((f, i) => (Filter: f, Key: $"{i}:{f}")).ToList();
            foreach (var (f, key) in keyed) tree.Add(f, key);
            var results = new List<string>();
            tree.Match(topic, results);
            var expected = keyed.Where(k => MqttTopic.Matches(k.Filter, topic)).Select(k => k.Key).Order();
            return results.Order().SequenceEqual(expected);
        }));
    }

    [Fact]
    public void Removing_every_subscription_leaves_an_empty_tree()
    {
        Check.One(Config, Prop.ForAll((from filters in Filter.ListOf().Resize(10) from topic in Topic select (Item1: filters, Item2: topic)).ToArbitrary(), t =>
        {
            var tree = new TopicTree<string>();
            foreach (var f in t.Item1) tree.Add(f, f);
            foreach (var f in t.Item1) Assert.True(tree.Remove(f, v => v == f));
            var results = new List<string>();
            tree.Match(t.Item2, results);
            return tree.Count == 0 && results.Count == 0;
        }));
    }

    [Fact]
    public void Covered_filters_only_match_topics_the_allowing_filter_matches()
    {
        var gen = from filter in Filter from allowed in Filter from topic in Topic select (filter, allowed, topic);
        Check.One(Config.WithMaxTest(2000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (filter, allowed, topic) = t;
            return !MqttTopic.IsCoveredBy(filter, allowed) || !MqttTopic.Matches(filter, topic) || MqttTopic.Matches(allowed, topic);
        }));
    }

    [Fact]
    public void A_filter_covers_itself_and_hash_covers_every_non_dollar_filter()
    {
        Check.One(Config, Prop.ForAll(Filter.ToArbitrary(), f =>
            MqttTopic.IsCoveredBy(f, f) && (f.StartsWith('$') || MqttTopic.IsCoveredBy(f, "#"))));
    }
}
