using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Xmpp.Tests;

public sealed class ImConversationTests
{
    private static ImConversation New() => new("c1", Jid.Parse("a@b/c"), Jid.Parse("support@b"), Jid.Parse("chat-c1@b"), null, DateTimeOffset.UnixEpoch, 10);

    [Fact]
    public void The_state_machine_moves_forward_and_refuses_other_transitions()
    {
        var c = New();
        c.MoveTo(ImConversationState.InFlow);
        c.MoveTo(ImConversationState.Queued);
        Assert.Throws<InvalidOperationException>(() => c.MoveTo(ImConversationState.Greeting));
        c.MoveTo(ImConversationState.Connected);
        Assert.Throws<InvalidOperationException>(() => c.MoveTo(ImConversationState.InFlow));
        c.MoveTo(ImConversationState.Ended);
        Assert.Throws<InvalidOperationException>(() => c.MoveTo(ImConversationState.Ended));
    }

    [Fact]
    public void The_transcript_is_bounded()
    {
        var c = New();
        for (var i = 0; i < 15; i++) c.Record(DateTimeOffset.UnixEpoch, Core.Repositories.TranscriptSender.Customer, $"m{i}");

        Assert.Equal(10, c.Transcript.Count);
        Assert.Equal(5, c.DroppedTranscriptLines);
    }

    [Theory]
    [InlineData("+49 30 1234567", "+49301234567")]
    [InlineData("+1 (555) 010-0199", "+15550100199")]
    [InlineData(" +44.20.7946.0000 ", "+442079460000")]
    [InlineData("0301234567", null)]
    [InlineData("+0301234567", null)]
    [InlineData("+49 30 12a4567", null)]
    [InlineData("+123", null)]
    [InlineData("+1234567890123456", null)]
    [InlineData("++491234567", null)]
    public void Phone_numbers_become_e164(string typed, string? expected) => Assert.Equal(expected, PhoneNumbers.ToE164(typed));

    [Fact]
    public void Any_e164_number_survives_formatting_and_nothing_else_is_accepted() =>
        Prop.ForAll(
            Gen.Choose(1, 9).SelectMany(first => Gen.Choose(6, 14).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n)
                .Select(rest => "+" + first + string.Concat(rest)))).ToArbitrary(),
            Gen.Elements(" ", "-", ".", "", "(", ")").ToArbitrary(),
            (number, separator) =>
            {
                var formatted = string.Join(separator, number.Chunk(3).Select(c => new string(c)));
                return PhoneNumbers.ToE164(formatted) == number;
            }).QuickCheckThrowOnFailure();

    [Fact]
    public void Arbitrary_text_is_either_refused_or_a_valid_e164_number() =>
        Prop.ForAll<string>(text =>
        {
            var e164 = PhoneNumbers.ToE164(text);
            return e164 is null || (e164[0] == '+' && e164.Length is >= 8 and <= 16 && e164[1..].All(char.IsAsciiDigit) && e164[1] != '0');
        }).QuickCheckThrowOnFailure();
}
