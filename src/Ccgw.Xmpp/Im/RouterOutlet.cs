using System.Xml.Linq;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// The built-in c2s router as the IM gateway's outlet. The router takes every <see cref="IStanzaService"/> (the gateway
/// among them) in its constructor, so the gateway cannot take the router in its own: the host attaches the router
/// once it has built it, before anything runs, instead of the gateway looking it up.
/// </summary>
public sealed class RouterOutlet : IStanzaOutlet
{
    private IStanzaOutlet? _router;

    public void Attach(IStanzaOutlet router)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (Interlocked.CompareExchange(ref _router, router, null) is not null)
            throw new InvalidOperationException("the IM gateway's outlet already has a router");
    }

    public ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default) =>
        (Volatile.Read(ref _router) ?? throw new InvalidOperationException("no XMPP router is attached to the IM gateway; is Listeners:Xmpp enabled?"))
            .SendAsync(stanza, cancellationToken);
}
