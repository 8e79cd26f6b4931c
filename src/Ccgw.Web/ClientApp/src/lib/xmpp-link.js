// One XMPP session from a page to ccgw's XMPP server over WebSocket (RFC 7395, /xmpp on the page's own origin),
// carried by @xmpp/client, so the browser speaks the same protocol, accounts and bot as desktop clients on 5222.
import { client, xml } from '@xmpp/client';

export function connectXmpp({ domain, username, password, resource, onState, onStanza }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const xmpp = client({ service: `${scheme}://${location.host}/xmpp`, domain, username, password, resource });
  xmpp.on('status', status => onState?.(status));
  xmpp.on('stanza', stanza => onStanza?.(stanza));
  xmpp.on('error', () => onState?.('error'));
  return { xmpp, xml };
}
