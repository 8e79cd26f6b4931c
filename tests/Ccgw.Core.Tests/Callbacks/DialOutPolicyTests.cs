using System.Diagnostics.Metrics;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>The dial-out policy's destination rules, and the one intake refusing before the store is asked.</summary>
public sealed class DialOutPolicyTests
{
    private static readonly DialOutPolicy Policy = new()
    {
        TrunkId = "pbx",
        Allow = ["+44", "+1", "pbx.example.com", "*.partner.example"],
        Deny = ["+1900", "+1976", "+449", "blocked.partner.example"],
    };

    [Theory]
    [InlineData("+442079460018", null)]
    [InlineData("+15550100", null)]
    [InlineData("+19005550100", DialOutRule.Denied)]
    [InlineData("+19765550100", DialOutRule.Denied)]
    [InlineData("+449098790000", DialOutRule.Denied)]
    [InlineData("+4930123456", DialOutRule.NotAllowed)]
    [InlineData("+882345678", DialOutRule.NotAllowed)]
    [InlineData("sip:alice@pbx.example.com", null)]
    [InlineData("sips:alice@PBX.Example.com:5061;transport=tls", null)]
    [InlineData("sip:bob@a.partner.example", null)]
    [InlineData("sip:bob@partner.example", DialOutRule.NotAllowed)]
    [InlineData("sip:bob@blocked.partner.example", DialOutRule.Denied)]
    [InlineData("sip:bob@evil.example", DialOutRule.NotAllowed)]
    // A denied number is denied however it is written: as a SIP URI's user part, with separators.
    [InlineData("sip:+19005550100@pbx.example.com", DialOutRule.Denied)]
    [InlineData("sip:+1900-555-0100;user=phone@pbx.example.com", DialOutRule.Denied)]
    [InlineData("+1 900 555 0100", DialOutRule.Denied)]
    public void Deny_takes_precedence_over_allow_for_numbers_and_sip_domains(string address, string? rule) =>
        Assert.Equal(rule, Policy.CheckDestination(address));

    [Fact]
    public void Without_an_allow_list_everything_not_denied_may_be_dialled()
    {
        var policy = new DialOutPolicy { Deny = ["+1900"] };
        Assert.Null(policy.CheckDestination("+4930123456"));
        Assert.Null(policy.CheckDestination("sip:any@where.example"));
        Assert.Equal(DialOutRule.Denied, policy.CheckDestination("+19001234567"));
        Assert.Null(DialOutPolicy.Open.CheckDestination("+19001234567"));
        Assert.Null(DialOutPolicy.Open.MaxPerNumberPerDay);
        Assert.Equal(10, new DialOutPolicy().MaxPerNumberPerDay);
    }

    [Theory]
    [InlineData("+44", true, false)]
    [InlineData("+1900", true, false)]
    [InlineData("+", false, false)]
    [InlineData("44", false, false)]
    [InlineData("+44x", false, false)]
    [InlineData("example.com", false, true)]
    [InlineData("*.example.com", false, true)]
    [InlineData("*.", false, false)]
    [InlineData("sip:example.com", false, false)]
    [InlineData("exa mple.com", false, false)]
    public void Patterns_are_e164_prefixes_or_sip_domains(string pattern, bool number, bool domain)
    {
        Assert.Equal(number, DialOutPolicy.IsNumberPattern(pattern));
        Assert.Equal(domain, DialOutPolicy.IsDomainPattern(pattern));
    }

    [Fact]
    public async Task The_intake_refuses_a_denied_destination_without_asking_the_store_and_counts_the_rule()
    {
        var store = new CountingStore();
        var policies = new CallbackPolicies([new CallbackQueuePolicy("sales", "Sales") { DialOut = Policy }]);
        using var meters = new TestMeters();
        var intake = new CallbackIntake(store, policies, new DialOutMetrics(meters), NullLogger<CallbackIntake>.Instance);
        var now = DateTimeOffset.UnixEpoch;

        var refused = await intake.SubmitAsync(new HelpRequestSubmission("sales", "+19005550100", now, now), CallbackIntakeChannel.Ivr);
        Assert.Equal(HelpRequestDisposition.Refused, refused.Disposition);
        Assert.Equal(DialOutRule.Denied, refused.Rule);
        Assert.Equal(0, store.Submitted);

        // The store's own refusals (the caps it counts) are counted too.
        store.Answer = new HelpRequestReceipt(HelpRequestDisposition.Refused, null, 0) { Rule = DialOutRule.PerNumber };
        var capped = await intake.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", now, now), CallbackIntakeChannel.Web);
        Assert.Equal(DialOutRule.PerNumber, capped.Rule);
        Assert.Equal(1, store.Submitted);
        Assert.Equal([(DialOutRule.Denied, 1L), (DialOutRule.PerNumber, 1L)], meters.Refused);

        // A queue without settings still goes through the intake, with no rules.
        store.Answer = new HelpRequestReceipt(HelpRequestDisposition.Created, null, 1);
        Assert.Equal(HelpRequestDisposition.Created, (await intake.SubmitAsync(new HelpRequestSubmission("other", "+19005550100", now, now), CallbackIntakeChannel.Im)).Disposition);
    }

    private sealed class CountingStore : IHelpRequestStore
    {
        public int Submitted;

        public HelpRequestReceipt Answer { get; set; } = new(HelpRequestDisposition.Created, null, 1);

        public ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy, CancellationToken cancellationToken = default)
        {
            Submitted++;
            return ValueTask.FromResult(Answer);
        }

        public ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default) => ValueTask.FromResult(1);

        public ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to,
            CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<SlotUsage>>([]);
    }

    /// <summary>A meter factory of the test's own, with a listener on its refusal counter.</summary>
    private sealed class TestMeters : IMeterFactory
    {
        private readonly List<Meter> _meters = [];
        private readonly MeterListener _listener = new();

        public TestMeters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (_meters.Contains(instrument.Meter)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "rule") Refused.Add(((string)tag.Value!, value));
            });
            _listener.Start();
        }

        public List<(string Rule, long Value)> Refused { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            _listener.Dispose();
            foreach (var m in _meters) m.Dispose();
        }
    }
}
