using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Dialogs;

public class SipDialogTests
{
    private static SipRequest InviteWithRecordRoute() => Request(Invite.Replace("Contact: <sip:alice@pc33.atlanta.example.com>",
        "Contact: <sip:alice@pc33.atlanta.example.com>\nRecord-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>"));

    [Fact]
    public void Uas_dialog_keeps_record_route_order_and_targets_the_callers_contact()
    {
        var invite = InviteWithRecordRoute();
        var ok = SipResponseFactory.Create(invite, 200, toTag: "uas1");
        var dialog = SipDialog.CreateAsUas(invite, ok);
        Assert.Equal("a84b4c76e66710@pc33.atlanta.example.com;uas1;1928301774", dialog.Id);
        Assert.Equal(SipDialogState.Confirmed, dialog.State);
        var bye = dialog.CreateRequest("BYE", new SipVia("UDP", "gw", 5060, "z9hG4bKbye"));
        Assert.Equal("sip:alice@pc33.atlanta.example.com", bye.RequestUri.ToString());
        Assert.Equal(["sip:p2.example.com;lr", "sip:p1.example.com;lr"], bye.Route.Select(r => r.Uri.ToString()));
        Assert.Equal("uas1", bye.From!.Tag);
        Assert.Equal("1928301774", bye.To!.Tag);
        Assert.Equal(1u, bye.CSeq!.Number);
    }

    [Fact]
    public void Uac_dialog_reverses_record_route_and_numbers_requests_upward()
    {
        var invite = Request(Invite);
        var ok = SipResponseFactory.Create(invite, 200, toTag: "bobtag");
        ok.Contact.Add(SipNameAddress.Parse("<sip:bob@192.0.2.4>"));
        ok.RecordRoute.Add(SipNameAddress.Parse("<sip:p2.example.com;lr>"));
        ok.RecordRoute.Add(SipNameAddress.Parse("<sip:p1.example.com;lr>"));
        var dialog = SipDialog.CreateAsUac(invite, ok);
        var ack = dialog.CreateRequest("ACK", new SipVia("UDP", "gw", 5060, "z9hG4bKack"));
        Assert.Equal(314159u, ack.CSeq!.Number);
        var bye = dialog.CreateRequest("BYE", new SipVia("UDP", "gw", 5060, "z9hG4bKbye"));
        Assert.Equal(314160u, bye.CSeq!.Number);
        Assert.Equal("sip:bob@192.0.2.4", bye.RequestUri.ToString());
        Assert.Equal(["sip:p1.example.com;lr", "sip:p2.example.com;lr"], bye.Route.Select(r => r.Uri.ToString()));
    }

    [Fact]
    public void Strict_router_becomes_the_request_uri()
    {
        var invite = Request(Invite.Replace("Contact: <sip:alice@pc33.atlanta.example.com>",
            "Contact: <sip:alice@pc33.atlanta.example.com>\nRecord-Route: <sip:strict.example.com>"));
        var dialog = SipDialog.CreateAsUas(invite, SipResponseFactory.Create(invite, 200, toTag: "t"));
        var bye = dialog.CreateRequest("BYE", new SipVia("UDP", "gw", 5060, "z9hG4bKs"));
        Assert.Equal("sip:strict.example.com", bye.RequestUri.ToString());
        Assert.Equal("sip:alice@pc33.atlanta.example.com", Assert.Single(bye.Route).Uri.ToString());
    }

    [Fact]
    public void Out_of_order_remote_cseq_is_refused_and_reinvite_refreshes_the_target()
    {
        var invite = Request(Invite);
        var dialog = SipDialog.CreateAsUas(invite, SipResponseFactory.Create(invite, 180, toTag: "t"));
        Assert.Equal(SipDialogState.Early, dialog.State);
        var old = Request(Invite.Replace("314159 INVITE", "314158 INVITE"));
        Assert.False(dialog.TryAcceptRemoteRequest(old));
        var reinvite = Request(Invite.Replace("314159 INVITE", "314160 INVITE").Replace("<sip:alice@pc33.atlanta.example.com>", "<sip:alice@198.51.100.1>"));
        Assert.True(dialog.TryAcceptRemoteRequest(reinvite));
        Assert.Equal("sip:alice@198.51.100.1", dialog.RemoteTarget.ToString());
    }

    [Fact]
    public void An_in_dialog_bye_from_the_caller_maps_to_the_uas_dialog_id_and_an_initial_request_to_none()
    {
        var invite = Request(Invite);
        var dialog = SipDialog.CreateAsUas(invite, SipResponseFactory.Create(invite, 200, toTag: "uas1"));
        var bye = Request(Invite.Replace("INVITE sip:", "BYE sip:").Replace("314159 INVITE", "314160 BYE")
            .Replace("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com>;tag=uas1"));
        Assert.Equal(dialog.Id, SipDialog.IdOf(bye));
        Assert.Null(SipDialog.IdOf(invite));
        var otherCall = Request(Invite.Replace("a84b4c76e66710", "other").Replace("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com>;tag=uas1"));
        Assert.NotEqual(dialog.Id, SipDialog.IdOf(otherCall));
    }
}
