using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Prometheus.Tests;

public sealed class PropertyTests
{
    [Fact]
    public void Arbitrary_tag_names_and_values_render_valid_lines_that_round_trip_the_value()
    {
        var strings = ArbMap.Default.ArbFor<string>();
        Prop.ForAll(strings, strings, strings, (name, value, help) =>
        {
            name ??= "";
            value ??= "";
            using var harness = new ExporterHarness();
            harness.Meter.CreateCounter<int>("ccgw.prop", null, help).Add(1, new(name, value), new("fixed", "x"));
            harness.Meter.CreateHistogram<double>("ccgw.prop.histogram", "s", help).Record(0.3, new KeyValuePair<string, object?>(name, value));

            var text = harness.Render();

            ExpositionGrammar.AssertValid(text);
            var labels = ExpositionGrammar.LabelsOfFirstSample(text);
            var expected = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)); // lone surrogates become U+FFFD
            var label = MetricNaming.SanitizeLabelName(name);
            // "fixed" may have absorbed the arbitrary tag if their sanitised names collide.
            var rendered = ExpositionGrammar.Unescape(labels[label]);
            return label == "fixed" ? rendered.Split(';').Contains(expected) || rendered.Contains(expected, StringComparison.Ordinal) : rendered == expected;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Arbitrary_instrument_names_and_units_give_valid_metric_names()
    {
        var strings = ArbMap.Default.ArbFor<string>();
        Prop.ForAll(strings, strings, (name, unit) =>
        {
            foreach (var kind in Enum.GetValues<MetricKind>())
            {
                var family = MetricNaming.FamilyName(name ?? "", UnitMapping.For(unit, kind), kind);
                if (!Regex.IsMatch(family, "^[a-zA-Z_][a-zA-Z0-9_]*$")) return false;
                if (kind == MetricKind.Counter && !family.EndsWith("_total", StringComparison.Ordinal)) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
