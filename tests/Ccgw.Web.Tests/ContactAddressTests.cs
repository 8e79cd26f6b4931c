using Ccgw.Core.Callbacks;
using Ccgw.Web.Help;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Web.Tests;

/// <summary>The number/SIP URI parser and the whole-request validator: examples plus FsCheck properties.</summary>
public sealed class ContactAddressTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallbackPolicies Queues = new([new CallbackQueuePolicy("sales", "Sales"), new CallbackQueuePolicy("billing", "Billing", Window: TimeSpan.FromDays(2))]);

    [Theory]
    [InlineData("+15550100", "+15550100")]
    [InlineData(" +44 20 7946-0018 ", "+442079460018")]
    [InlineData("+49 (30) 123.456", "+4930123456")]
    [InlineData("0049301234567", "+49301234567")]
    [InlineData("sip:alice@example.com", "sip:alice@example.com")]
    [InlineData("SIP:carol@192.0.2.7:5070;transport=udp", "sip:carol@192.0.2.7:5070;transport=udp")]
    [InlineData("sips:+15550100@[2001:db8::1]", "sips:+15550100@[2001:db8::1]")]
    [InlineData("sip:pbx.example.com", "sip:pbx.example.com")]
    public void Accepts_e164_and_sip_uris_and_normalises_them(string input, string expected) =>
        Assert.Equal(expected, ContactAddress.Parse(input, out _));

    [Theory]
    [InlineData("")]
    [InlineData("5550100")]
    [InlineData("+0123456")]
    [InlineData("+12")]
    [InlineData("+1234567890123456")]
    [InlineData("+1 555 CALL NOW")]
    [InlineData("sip:")]
    [InlineData("sip:@example.com")]
    [InlineData("sip:alice@-bad-.example")]
    [InlineData("sip:alice@example.com:99999")]
    [InlineData("sip:al ice@example.com")]
    [InlineData("sip:alice@[not-v6]")]
    [InlineData("sip:alice@example.com;x=<script>")]
    public void Refuses_anything_else_with_a_reason(string input)
    {
        Assert.Null(ContactAddress.Parse(input, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Arbitrary_input_never_throws_and_only_yields_e164_or_sip_uris()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), s =>
        {
            var parsed = ContactAddress.Parse(s ?? "", out var error);
            if (parsed is null) return error is not null;
            return error is null && parsed.Length <= ContactAddress.MaxLength
                && (parsed.StartsWith("sip:", StringComparison.Ordinal) || parsed.StartsWith("sips:", StringComparison.Ordinal)
                    || (parsed[0] == '+' && parsed.Length is >= 4 and <= 16 && parsed[1] != '0' && parsed[1..].All(char.IsAsciiDigit)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_international_number_written_with_separators_normalises_to_its_digits()
    {
        var digits = Gen.Choose(3, 15).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n))
            .Where(d => d[0] != 0);
        var separators = Gen.Elements("", " ", "-", ".", " (", ") ");
        var written = digits.SelectMany(d => Gen.ArrayOf(separators, d.Length).Select(seps =>
            (Digits: string.Concat(d), Text: "+" + string.Concat(d.Select((x, i) => seps[i] + x.ToString(System.Globalization.CultureInfo.InvariantCulture))))));
        Prop.ForAll(written.ToArbitrary(), w => ContactAddress.Parse(w.Text, out _) == "+" + w.Digits).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_sip_uri_with_a_valid_user_host_and_port_is_accepted_unchanged()
    {
        var label = Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()), n)).Select(c => new string(c));
        var host = Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(label, n)).Select(l => string.Join('.', l));
        var user = Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcXYZ019-_.!~*'()&=+$,;?/".ToCharArray()), n)).Select(c => new string(c));
        var uri = from u in user
                  from h in host
                  from p in Gen.Choose(0, 65535)
                  from scheme in Gen.Elements("sip:", "sips:")
                  select $"{scheme}{u}@{h}{(p == 0 ? "" : ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
        Prop.ForAll(uri.ToArbitrary(), u => ContactAddress.Parse(u, out _) == u).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Arbitrary_requests_never_throw_and_errors_name_only_fields_of_the_request()
    {
        string[] fields = ["number", "imAddress", "preferredTime", "timeZone", "topic", "pageUrl", "name"];
        var s = ArbMap.Default.ArbFor<string>().Generator;
        var inputs = from number in s
                     from time in Gen.OneOf(s, Gen.Elements("now", "2026-11-23T14:30", "2026-11-24T10:00Z", "2026-11-23T14:30+01:00"))
                     from zone in Gen.OneOf(s, Gen.Elements("Europe/London", "UTC"))
                     from topic in Gen.OneOf(s, Gen.Elements("sales", "billing", "SALES"))
                     from url in Gen.OneOf(s, Gen.Elements("https://shop.example/a", "http://x"))
                     select new HelpRequestInput(number, number, time, zone, topic, url, topic);
        Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var valid = HelpRequestValidation.Validate(input, Queues, Now, out var errors);
            return valid is not null ? errors.Count == 0 : errors.Count > 0 && errors.Keys.All(fields.Contains);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_local_time_is_read_in_the_customers_time_zone()
    {
        var valid = HelpRequestValidation.Validate(new HelpRequestInput("+15550100", PreferredTime: "2026-11-23T14:30", TimeZone: "America/New_York", Topic: "sales"),
            Queues, Now, out _);
        Assert.NotNull(valid);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 19, 30, 0, TimeSpan.Zero), valid.ScheduledAt);
        Assert.False(valid.AsSoonAsPossible);
    }

    [Theory]
    [InlineData("2026-11-23T14:30", null, "timeZone")]
    [InlineData("2026-11-23T14:30", "Nowhere/Special", "timeZone")]
    [InlineData("2026-11-22T08:00Z", null, "preferredTime")]
    [InlineData("2026-12-23T08:00Z", null, "preferredTime")]
    [InlineData("soon", null, "preferredTime")]
    public void Times_outside_the_window_or_without_a_zone_name_the_field(string time, string? zone, string field)
    {
        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput("+15550100", PreferredTime: time, TimeZone: zone, Topic: "sales"), Queues, Now, out var errors));
        Assert.True(errors.ContainsKey(field), string.Join(", ", errors.Keys));
    }

    [Fact]
    public void The_booking_window_is_the_topics()
    {
        var threeDays = (Now + TimeSpan.FromDays(3)).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotNull(HelpRequestValidation.Validate(new HelpRequestInput("+15550100", PreferredTime: threeDays, Topic: "sales"), Queues, Now, out _));
        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput("+15550100", PreferredTime: threeDays, Topic: "billing"), Queues, Now, out var errors));
        Assert.Contains("2 days", errors["preferredTime"][0], StringComparison.Ordinal);
    }
}
