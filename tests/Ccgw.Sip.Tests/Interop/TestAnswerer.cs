using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Tests.Interop;

/// <summary>
/// A minimal UAS on the stack's hooks, standing in for the voice path: INVITE to <c>ring@</c> stays ringing (so a
/// CANCEL ends it with 487, §9.2), any other INVITE gets 180 then 200 with an SDP answer and a dialog (§13.3.1,
/// §12.1.1); BYE inside a dialog gets 200 (§15.1.2), outside one 481.
/// </summary>
internal sealed class TestAnswerer
{
    private const string Sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private readonly ConcurrentDictionary<string, SipDialog> _dialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipServerInviteTransaction, string> _ringing = new();
    private readonly SipStack _stack;
    private int _tags;
    private int _answered;
    private int _cancelled;
    private int _acked;
    private int _byes;
    private int _strayByes;

    public TestAnswerer(SipStack stack)
    {
        _stack = stack;
        stack.RequestHandler = Take;
        stack.CancelHandler = Cancel;
        stack.AckHandler = Ack;
    }

    public int Answered => Volatile.Read(ref _answered);

    public int Cancelled => Volatile.Read(ref _cancelled);

    public int Acked => Volatile.Read(ref _acked);

    public int Byes => Volatile.Read(ref _byes);

    public int StrayByes => Volatile.Read(ref _strayByes);

    public int OpenDialogs => _dialogs.Count;

    private bool Take(SipServerTransaction tx)
    {
        switch (tx)
        {
            case SipServerInviteTransaction invite:
                Answer(invite);
                return true;
            case { Request.Method: SipMethods.Bye }:
                Hangup(tx);
                return true;
            default:
                return false;
        }
    }

    private void Answer(SipServerInviteTransaction invite)
    {
        var tag = "ans" + Interlocked.Increment(ref _tags).ToString(CultureInfo.InvariantCulture);
        var ringing = SipResponseFactory.Create(invite.Request, 180, toTag: tag);
        if (invite.Request.RequestUri.User == "ring")
        {
            // Registered before the 180 goes out: the CANCEL it provokes may arrive at once.
            _ringing[invite] = tag;
            invite.SendResponse(ringing);
            return;
        }
        invite.SendResponse(ringing);
        var ok = SipResponseFactory.Create(invite.Request, 200, toTag: tag);
        ok.Contact.Add(new SipNameAddress(Contact(invite.Peer)));
        ok.ContentType = "application/sdp";
        ok.Body = Encoding.ASCII.GetBytes(Sdp);
        var dialog = SipDialog.CreateAsUas(invite.Request, ok);
        _dialogs[dialog.Id] = dialog;
        // Counted before sending, so a peer that has seen the answer never observes a lower count.
        Interlocked.Increment(ref _answered);
        invite.SendResponse(ok);
    }

    private void Cancel(SipServerInviteTransaction invite, SipRequest cancel)
    {
        if (!_ringing.TryRemove(invite, out var tag)) return;
        Interlocked.Increment(ref _cancelled);
        if (!invite.SendResponse(SipResponseFactory.Create(invite.Request, 487, toTag: tag))) Interlocked.Decrement(ref _cancelled);
    }

    private void Ack(SipRequest ack, SipEndPoint source)
    {
        if (SipDialog.IdOf(ack) is { } id && _dialogs.ContainsKey(id)) Interlocked.Increment(ref _acked);
    }

    private void Hangup(SipServerTransaction bye)
    {
        var tag = bye.Request.To?.Tag;
        if (SipDialog.IdOf(bye.Request) is { } id && _dialogs.TryRemove(id, out var dialog))
        {
            lock (dialog)
            {
                if (dialog.TryAcceptRemoteRequest(bye.Request))
                {
                    dialog.Terminate();
                    Interlocked.Increment(ref _byes);
                    bye.SendResponse(SipResponseFactory.Create(bye.Request, 200, toTag: tag));
                    return;
                }
            }
            bye.SendResponse(SipResponseFactory.Create(bye.Request, 500, toTag: tag));
            return;
        }
        Interlocked.Increment(ref _strayByes);
        bye.SendResponse(SipResponseFactory.Create(bye.Request, 481, toTag: tag));
    }

    private SipUri Contact(SipEndPoint peer)
    {
        var local = peer.Transport == SipTransportKind.Udp ? _stack.UdpEndPoint! : _stack.TcpEndPoint!;
        var uri = new SipUri("sip", "answerer", local.Address.ToString(), local.Port);
        if (peer.Transport == SipTransportKind.Tcp) uri.Parameters.Set("transport", "tcp");
        return uri;
    }
}
