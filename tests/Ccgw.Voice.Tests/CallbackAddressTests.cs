using FsCheck;
using FsCheck.Fluent;
using Ccgw.Voice;

namespace Ccgw.Voice.Tests;

public sealed class CallbackAddressTests
{
    [Theory]
    [InlineData("+15550100", "sip:+15550100@pbx.example")]
    [InlineData("0049301234567", "sip:0049301234567@pbx.example")]
    [InlineData("sip:carol@shop.example", "sip:carol@shop.example")]
    [InlineData("sips:carol@shop.example:5061", "sips:carol@shop.example:5061")]
    public void A_number_is_dialled_at_the_trunk_host_and_a_sip_uri_as_given(string address, string expected)
    {
        Assert.True(CallbackCall.TryCustomerUri(address, "pbx.example", out var uri));
        Assert.Equal(expected, uri.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("carol@localhost")]
    [InlineData("+1555 0100")]
    [InlineData("+1555;user=phone")]
    [InlineData("sip:")]
    [InlineData("+123456789012345678901")]
    public void Anything_else_is_not_dialled(string address) =>
        Assert.False(CallbackCall.TryCustomerUri(address, "pbx.example", out _));

    [Fact]
    public void Every_string_is_either_refused_or_a_uri_on_the_trunk_or_its_own_sip_uri() =>
        Prop.ForAll<string>(text =>
        {
            var address = text ?? "";
            if (!CallbackCall.TryCustomerUri(address, "pbx.example", out var uri)) return true;
            var dialled = uri.ToString();
            return address.StartsWith("sip", StringComparison.OrdinalIgnoreCase)
                ? dialled.StartsWith("sip", StringComparison.OrdinalIgnoreCase)
                : dialled == "sip:" + address + "@pbx.example" && address.TrimStart('+').All(char.IsAsciiDigit);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));

    [Theory]
    [InlineData(486, "busy")]
    [InlineData(600, "busy")]
    [InlineData(408, "noAnswer")]
    [InlineData(480, "noAnswer")]
    [InlineData(487, "noAnswer")]
    [InlineData(603, "rejected")]
    [InlineData(404, "failed")]
    [InlineData(503, "failed")]
    public void A_final_response_maps_to_the_reason_the_call_back_scheduler_retries_on(int status, string reason) =>
        Assert.Equal(reason, new OutboundOutcome(false, status, null).FailureReason);
}
