using System.Threading.Channels;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Server;

/// <summary>One item for a session's writer: a stanza (counted by stream management) or raw stream-level XML.</summary>
internal readonly record struct Outbound(XElement? Stanza, string? Raw, bool Close = false);

/// <summary>
/// A bound resource (RFC 6120 §7): who it is, its presence, and the queue of what must be written to it. The queue
/// outlives a connection while the session waits to be resumed (XEP-0198 §5); stanzas written but not acknowledged
/// are kept in order so a resumed stream can be sent them again.
/// </summary>
internal sealed class C2sSession
{
    public const int MaxQueued = 10_000;

    private readonly Channel<Outbound> _queue = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(MaxQueued)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly Lock _gate = new();
    private readonly LinkedList<XElement> _unacked = new();
    private uint _outboundCount;
    private uint _ackedCount;

    public C2sSession(Jid full, XmppAccount account, string streamId)
    {
        Full = full;
        Account = account;
        SmId = streamId;
    }

    public Jid Full { get; }

    public XmppAccount Account { get; }

    /// <summary>The last available presence it broadcast (RFC 6121 §4.2), null while unavailable.</summary>
    public XElement? Presence { get; set; }

    public bool Available => Presence is not null;

    public int Priority => Presence is { } p && int.TryParse((string?)p.Element(XmppNamespaces.Client + "priority"), out var v) ? v : 0;

    /// <summary>Requested the roster (RFC 6121 §2.1.6: only "interested resources" get roster pushes).</summary>
    public bool InterestedInRoster { get; set; }

    /// <summary>Addresses it sent directed presence to or talked to as a service: told when it goes away (RFC 6121 §4.6.3).</summary>
    public HashSet<Jid> DirectedTo { get; } = [];

    public bool SmEnabled { get; private set; }

    public bool SmResumable { get; private set; }

    public string SmId { get; }

    /// <summary>The 'max' announced when resumption is enabled (XEP-0198 §5).</summary>
    public double ResumeSeconds { get; init; } = 300;

    /// <summary>XEP-0198: stanzas kept for an ack at most; <see cref="Written"/> reports going over it.</summary>
    public int MaxUnacked { get; init; } = 500;

    /// <summary>Stanzas received from the client since stream management was enabled (XEP-0198 'h').</summary>
    public uint InboundCount { get; set; }

    /// <summary>The connection currently writing this session, null while detached awaiting resumption.</summary>
    public object? Connection { get; set; }

    public bool Closed { get; private set; }

    /// <summary>The server has ended the session (unavailable sent); set once, under the server's lock.</summary>
    public bool Ended { get; set; }

    public ChannelReader<Outbound> Reader => _queue.Reader;

    /// <summary>Queues a stanza; false when the client does not read and its queue is full (the caller closes it).</summary>
    public bool Send(XElement stanza) => !Closed && _queue.Writer.TryWrite(new Outbound(stanza, null));

    public bool SendRaw(string xml) => !Closed && _queue.Writer.TryWrite(new Outbound(null, xml));

    /// <summary>Ends the queue: the writer writes what is queued, then <paramref name="finalXml"/>, then closes the transport.</summary>
    public void Close(string? finalXml)
    {
        if (Closed) return;
        Closed = true;
        _queue.Writer.TryWrite(new Outbound(null, finalXml, Close: true));
        _queue.Writer.TryComplete();
    }

    public void EnableStreamManagement(bool resumable)
    {
        SmEnabled = true;
        SmResumable = resumable;
    }

    /// <summary>
    /// The writer sent a stanza: with stream management it waits for an ack. False when more than
    /// <see cref="MaxUnacked"/> now wait: the client does not acknowledge and the session must end.
    /// </summary>
    public bool Written(XElement stanza)
    {
        if (!SmEnabled) return true;
        lock (_gate)
        {
            _unacked.AddLast(stanza);
            _outboundCount++;
            return _unacked.Count <= MaxUnacked;
        }
    }

    /// <summary>XEP-0198 §4: the client handled <paramref name="h"/> stanzas in all; forget those.</summary>
    public bool Acknowledge(uint h)
    {
        lock (_gate)
        {
            var newly = h - _ackedCount;
            if (newly > (uint)_unacked.Count) return false; // acks more than was sent: XEP-0198 §4 undefined-condition
            for (var i = 0u; i < newly; i++) _unacked.RemoveFirst();
            _ackedCount = h;
            return true;
        }
    }

    public int UnackedCount
    {
        get
        {
            lock (_gate) return _unacked.Count;
        }
    }

    /// <summary>XEP-0198 §5: after a resume, what the client did not get, in order (and forgets them: they are written again).</summary>
    public List<XElement> TakeUnacked()
    {
        lock (_gate)
        {
            var list = _unacked.ToList();
            _unacked.Clear();
            _outboundCount = _ackedCount;
            return list;
        }
    }

    public uint OutboundCount
    {
        get
        {
            lock (_gate) return _outboundCount;
        }
    }
}
