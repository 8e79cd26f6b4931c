// A visitor's chat with the contact centre, carried as XMPP over WebSocket (RFC 7395, /xmpp on the page's origin) by
// @xmpp/client. The visitor writes to a queue address (e.g. billing@domain) and hears the bot and then the agent from
// that same address: the gateway translates, so the agent's own address never reaches the browser.
//   - Typing notices both ways: XEP-0085 chat states (composing, paused, active; gone ends the chat).
//   - A dropped network: @xmpp/client reconnects and resumes the session (XEP-0198, the server keeps it for
//     Xmpp:ResumeTimeoutSeconds), so nothing sent to the visitor is lost; what the visitor writes while offline waits
//     in the outbox here and is sent once the stream is back.
//   - Identity is a parameter: a guest logs in with SASL ANONYMOUS, a signed-in customer with their own account.
import { client, xml } from '@xmpp/client';

const CHAT_STATES = 'http://jabber.org/protocol/chatstates';
const PAUSE_AFTER_MS = 4000;
const RECONNECTING = 'Connection lost: reconnecting… (what you write is kept and sent)';

export class WebChat {
  // onEvent(kind, detail): 'status' {text, online}, 'message' {from: 'them'|'me', text, id, pending}, 'sent' {id},
  // 'typing' {state}, 'ended' {byVisitor}, 'lost' {} (the session could not be resumed).
  constructor({ domain, identity, address, onEvent }) {
    this.domain = domain;
    this.identity = identity ?? { kind: 'guest' };
    this.address = address;
    this.onEvent = onEvent ?? (() => {});
    this.outbox = [];
    this.online = false;
    this.ended = false;
    this.everOnline = false;
    this.myState = 'active';
    this.pauseTimer = null;
    this.counter = 0;
  }

  async start() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const options = { service: `${scheme}://${location.host}/xmpp`, domain: this.domain, resource: 'web' };
    if (this.identity.kind === 'customer' && this.identity.credential) {
      // /me: a one-time token per login, fetched from the customer's session just before SASL PLAIN; a reconnect logs
      // in again with a fresh one (a used token is refused), then resumes the session (docs/web-chat.md).
      options.username = this.identity.user;
      options.credentials = async (authenticate, mechanisms) => {
        if (!mechanisms.includes('PLAIN')) throw new Error('the server offers no PLAIN login on this connection');
        const { username, password } = await this.identity.credential();
        await authenticate({ username, password }, 'PLAIN');
      };
    } else if (this.identity.kind === 'customer') {
      // The customer's own account with a password given by the page (window.ccgwChatCredential).
      options.username = this.identity.user;
      options.password = this.identity.password;
    }
    const xmpp = client(options);
    this.xmpp = xmpp;
    xmpp.on('status', status => this.#status(status));
    xmpp.on('error', err => {
      if (this.ended) return;
      // While reconnecting, every failed attempt is an error: the visitor only needs to know it is being retried.
      const text = this.everOnline ? RECONNECTING : `Connection problem: ${err?.condition ?? err?.message ?? 'unknown'}`;
      this.onEvent('status', { text, online: false });
    });
    xmpp.on('online', () => this.#online());
    xmpp.on('stanza', stanza => this.#stanza(stanza));
    xmpp.streamManagement.on('resumed', () => this.#online(true));
    xmpp.streamManagement.on('fail', stanza => this.#unsent(stanza));
    this.onEvent('status', { text: 'Connecting…', online: false });
    await xmpp.start();
  }

  #status(status) {
    if (this.ended) return;
    if (status === 'disconnect' || status === 'connecting') {
      if (this.online) this.onEvent('status', { text: RECONNECTING, online: false });
      this.online = false;
    }
  }

  async #online(resumed = false) {
    if (this.ended) return;
    const again = this.everOnline;
    this.everOnline = true;
    this.online = true;
    if (again && !resumed && !this.xmpp.streamManagement.enabled) {
      // A new session under a new address: the gateway no longer knows this chat.
      this.onEvent('lost', {});
    }
    if (!resumed) await this.xmpp.send(xml('presence'));
    this.onEvent('status', { text: again ? 'Connected again' : 'Connected: write your question below', online: true });
    await this.#flush();
  }

  #stanza(stanza) {
    if (!stanza.is('message') || this.ended) return;
    const from = (stanza.attrs.from ?? '').split('/')[0];
    if (from !== this.address) return;
    if (stanza.attrs.type === 'error') {
      this.onEvent('message', { from: 'notice', text: 'Your message could not be delivered.' });
      return;
    }
    const body = stanza.getChildText('body');
    const state = ['active', 'composing', 'paused', 'inactive', 'gone'].find(s => stanza.getChild(s, CHAT_STATES));
    if (body) this.onEvent('message', { from: 'them', text: body });
    if (state) this.onEvent('typing', { state: body && state === 'composing' ? 'active' : state });
    if (state === 'gone') this.#ended(false);
  }

  // The visitor typed: composing once, paused after a quiet spell (XEP-0085 §5.2).
  typing() {
    if (this.ended) return;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.#state('paused'), PAUSE_AFTER_MS);
    if (this.myState !== 'composing') this.#state('composing');
  }

  async #state(state) {
    this.myState = state;
    if (!this.online || this.ended) return;
    try {
      await this.xmpp.send(xml('message', { to: this.address, type: 'chat' }, xml(state, { xmlns: CHAT_STATES })));
    } catch {
      // A notice lost with the link is not worth keeping: the next one replaces it.
    }
  }

  async say(text) {
    if (this.ended || !text.trim()) return;
    clearTimeout(this.pauseTimer);
    this.myState = 'active';
    const id = `web-${Date.now().toString(36)}-${++this.counter}`;
    this.outbox.push({ id, text });
    this.onEvent('message', { from: 'me', text, id, pending: !this.online });
    await this.#flush();
  }

  async #flush() {
    while (this.online && this.outbox.length > 0) {
      const next = this.outbox[0];
      try {
        await this.xmpp.send(xml('message', { to: this.address, type: 'chat', id: next.id },
          xml('body', {}, next.text), xml('active', { xmlns: CHAT_STATES })));
      } catch {
        return; // still offline underneath: kept, sent on the next 'online'
      }
      this.outbox.shift();
      this.onEvent('sent', { id: next.id });
    }
  }

  // Stream management gave up on a stanza (the session could not be resumed): back into the outbox.
  #unsent(stanza) {
    if (!stanza.is('message') || !stanza.getChildText('body')) return;
    const id = stanza.attrs.id;
    if (this.outbox.some(m => m.id === id)) return;
    this.outbox.unshift({ id, text: stanza.getChildText('body') });
    this.onEvent('message', { from: 'me', text: stanza.getChildText('body'), id, pending: true, requeued: true });
  }

  async end() {
    if (this.ended) return;
    try {
      if (this.online) await this.xmpp.send(xml('message', { to: this.address, type: 'chat' }, xml('gone', { xmlns: CHAT_STATES })));
    } finally {
      await this.#ended(true);
    }
  }

  async #ended(byVisitor) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.pauseTimer);
    this.onEvent('ended', { byVisitor });
    try {
      await this.xmpp.stop();
    } catch {
      // Already gone: nothing left to close.
    }
  }
}
