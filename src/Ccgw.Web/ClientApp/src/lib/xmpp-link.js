// One XMPP session from a page to ccgw's XMPP server over WebSocket (RFC 7395, /xmpp on the page's own origin),
// carried by @xmpp/client, so the browser speaks the same protocol, accounts and bot as desktop clients on 5222.
import { client, xml } from '@xmpp/client';

// mechanism: force one SASL mechanism, e.g. 'PLAIN' for a one-time token (SCRAM cannot carry one).
export function connectXmpp({ domain, username, password, resource, mechanism, onState, onStanza }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const credentials = mechanism ? (authenticate => authenticate({ username, password }, mechanism)) : undefined;
  const xmpp = client({ service: `${scheme}://${location.host}/xmpp`, domain, username, password, resource, credentials });
  xmpp.on('status', status => onState?.(status));
  xmpp.on('stanza', stanza => onStanza?.(stanza));
  xmpp.on('error', () => onState?.('error'));
  return { xmpp, xml };
}
